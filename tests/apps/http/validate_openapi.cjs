// Validates an OpenAPI document with @apidevtools/swagger-parser (pinned in
// tests/third_party): schema, $refs, operation ids. Exits 0 when valid,
// 1 (printing why) when not.
// Usage: node validate_openapi.cjs FILE
'use strict';
const SwaggerParser = require('@apidevtools/swagger-parser');

SwaggerParser.validate(process.argv[2])
  .then((api) => {
    console.log(`valid: ${api.info.title}, ${Object.keys(api.paths).length} paths`);
  })
  .catch((e) => {
    console.log(`invalid: ${e.message}`);
    process.exit(1);
  });
