// A rejected input record, located precisely enough for a person to fix it.
//
//   RecordError e{.source = "cat.tle", .line = 12, .record = 4, .field = "eccentricity",
//                 .message = "not a number: '00x1234'"};
//   std::cerr << e.ToString();   // "cat.tle:12: record 4: eccentricity: not a number: ..."
//
// Readers in every module return the records they could read together with one RecordError
// per record they could not, so one bad record never loses the rest of a batch.
#ifndef SATFENCE_BASE_RECORD_ERROR_H_
#define SATFENCE_BASE_RECORD_ERROR_H_

#include <string>
#include <vector>

namespace satfence {

struct RecordError {
  std::string source;     // file name, or "<stdin>"/"<string>"
  int line = 0;           // 1-based line in `source`; 0 when the format has no lines
  int record = 0;         // 1-based record (element set, feature, report) index; 0 if unknown
  std::string record_id;  // the record's own id (feature id, terminal id), when it has one
  std::string field;      // the offending field, as named in the format ("ECCENTRICITY", ...)
  std::string message;    // what is wrong, quoting the offending text

  // "source:line: record N 'id': field: message", leaving out the parts that are unknown.
  std::string ToString() const;
};

// The usual shape of a reader's answer: everything that loaded, and why the rest did not.
template <typename T>
struct ReadResult {
  std::vector<T> records;
  std::vector<RecordError> errors;
};

}  // namespace satfence

#endif  // SATFENCE_BASE_RECORD_ERROR_H_
