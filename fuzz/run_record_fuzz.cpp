// Fuzz target: the run record decoder (storage::decode of a stored_run, the
// value of the `runs` column family and the payload of run_accepted and
// run_record journal entries). What decodes must encode to bytes that decode
// to the same record.

#include <cstddef>
#include <cstdint>

#include "storage/records.hpp"

#include "fuzz/support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using warden::fuzz::require;
  namespace storage = warden::storage;
  storage::stored_run record;
  if (auto err = storage::decode(warden::fuzz::as_text(data, size), record)) {
    require(!err->message.empty(), "a decode error without a message");
    return 0;
  }
  auto bytes = storage::encode(record);
  storage::stored_run again;
  require(!storage::decode(bytes, again), "an encoded record does not decode");
  require(storage::encode(again) == bytes, "a record changes in a round trip");
  return 0;
}
