"""Named checks for the HTTP process tests: one "ok   - name" or
"FAIL - name: detail" line each; `failed()` counts the failures."""

_failures = 0


def check(name, condition, detail=""):
    global _failures
    if condition:
        print(f"ok   - {name}")
    else:
        _failures += 1
        print(f"FAIL - {name}" + (f": {detail}" if detail else ""))
    return condition


def failed():
    return _failures
