#include "tests/spec/spec_values.h"

#include <cstring>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace airlock::spectest {
namespace {

using nlohmann::json;

constexpr uint32_t kF32Exponent = 0x7f800000u;
constexpr uint32_t kF32Quiet = 0x00400000u;
constexpr uint64_t kF64Exponent = 0x7ff0000000000000ull;
constexpr uint64_t kF64Quiet = 0x0008000000000000ull;

// Bytes of one lane (or scalar) of a type letter; 'b' and 'h' are the i8 and
// i16 lanes of a v128.
int LaneWidth(char type) {
  switch (type) {
    case 'b':
      return 1;
    case 'h':
      return 2;
    case 'i':
    case 'f':
      return 4;
    case 'I':
    case 'F':
      return 8;
    default:
      return 0;
  }
}

std::optional<char> LaneLetter(absl::string_view lane_type) {
  if (lane_type == "i8") return 'b';
  if (lane_type == "i16") return 'h';
  if (lane_type == "i32") return 'i';
  if (lane_type == "i64") return 'I';
  if (lane_type == "f32") return 'f';
  if (lane_type == "f64") return 'F';
  return std::nullopt;
}

absl::string_view LaneName(char lane) {
  switch (lane) {
    case 'b':
      return "i8x16";
    case 'h':
      return "i16x8";
    case 'i':
      return "i32x4";
    case 'I':
      return "i64x2";
    case 'f':
      return "f32x4";
    case 'F':
      return "f64x2";
    default:
      return "?";
  }
}

absl::string_view ScalarName(char type) {
  switch (type) {
    case 'i':
      return "i32";
    case 'I':
      return "i64";
    case 'f':
      return "f32";
    case 'F':
      return "f64";
    case 'v':
      return "v128";
    case 'r':
      return "funcref";
    case 'e':
      return "externref";
    default:
      return "?";
  }
}

uint64_t ReadLane(const uint8_t* bytes, int index, int width) {
  uint64_t bits = 0;
  for (int i = width - 1; i >= 0; --i) {
    bits = (bits << 8) | bytes[index * width + i];
  }
  return bits;
}

void WriteLane(uint8_t* bytes, int index, int width, uint64_t bits) {
  for (int i = 0; i < width; ++i) {
    bytes[index * width + i] = static_cast<uint8_t>(bits >> (8 * i));
  }
}

// A number of `width` bytes written as an unsigned decimal.
absl::StatusOr<uint64_t> ParseBits(const json& value, int width) {
  if (!value.is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat("value is not a string: ", value.dump()));
  }
  const std::string& text = value.get_ref<const std::string&>();
  uint64_t bits = 0;
  if (!absl::SimpleAtoi(text, &bits) ||
      (width < 8 && bits >> (8 * width) != 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a ", 8 * width, "-bit value: ", text));
  }
  return bits;
}

std::string FormatLane(char lane, uint64_t bits) {
  switch (lane) {
    case 'f': {
      float f;
      uint32_t b = static_cast<uint32_t>(bits);
      std::memcpy(&f, &b, sizeof f);
      return absl::StrFormat("%.9g(0x%08x)", f, b);
    }
    case 'F': {
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return absl::StrFormat("%.17g(0x%016x)", d, bits);
    }
    default:
      return absl::StrCat(bits);
  }
}

uint64_t ScalarBits(char type, const airlock_value& value) {
  switch (type) {
    case 'i':
    case 'f':
      return value.i32;  // f32 results are read as their bit pattern
    case 'I':
    case 'F':
      return value.i64;
    default:
      return 0;
  }
}

std::string FormatRef(char type, const airlock_ref& ref) {
  if (type == 'r') return ref.fn == nullptr ? "ref.null func" : "ref.func";
  if (ref.ctx == nullptr) return "ref.null extern";
  return absl::StrCat("ref.extern ", reinterpret_cast<uintptr_t>(ref.ctx) - 1);
}

std::string FormatV128(char lane, const airlock_value& value) {
  const int width = LaneWidth(lane);
  std::vector<std::string> lanes;
  for (int i = 0; i < 16 / width; ++i) {
    lanes.push_back(FormatLane(lane, ReadLane(value.v128, i, width)));
  }
  return absl::StrCat("v128:", LaneName(lane), "[", absl::StrJoin(lanes, " "),
                      "]");
}

}  // namespace

std::optional<char> TypeLetter(absl::string_view wast2json_type) {
  if (wast2json_type == "i32") return 'i';
  if (wast2json_type == "i64") return 'I';
  if (wast2json_type == "f32") return 'f';
  if (wast2json_type == "f64") return 'F';
  if (wast2json_type == "v128") return 'v';
  if (wast2json_type == "funcref") return 'r';
  if (wast2json_type == "externref") return 'e';
  return std::nullopt;
}

void* ExternHostValue(uint64_t n) {
  return reinterpret_cast<void*>(static_cast<uintptr_t>(n + 1));
}

absl::StatusOr<Argument> ParseArgument(const json& value) {
  auto type_it = value.find("type");
  if (!value.is_object() || type_it == value.end() || !type_it->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a typed value: ", value.dump()));
  }
  std::optional<char> type = TypeLetter(type_it->get_ref<const std::string&>());
  if (!type) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown value type: ", value.dump()));
  }
  Argument arg;
  arg.type = *type;
  auto value_it = value.find("value");
  if (value_it == value.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("argument without a value: ", value.dump()));
  }
  switch (*type) {
    case 'i':
    case 'f':
    case 'I':
    case 'F': {
      absl::StatusOr<uint64_t> bits = ParseBits(*value_it, LaneWidth(*type));
      if (!bits.ok()) return bits.status();
      if (LaneWidth(*type) == 4) {
        arg.value.i32 = static_cast<uint32_t>(*bits);
      } else {
        arg.value.i64 = *bits;
      }
      return arg;
    }
    case 'v': {
      auto lane_it = value.find("lane_type");
      std::optional<char> lane;
      if (lane_it != value.end() && lane_it->is_string()) {
        lane = LaneLetter(lane_it->get_ref<const std::string&>());
      }
      const int width = lane ? LaneWidth(*lane) : 0;
      if (!lane || !value_it->is_array() ||
          value_it->size() != static_cast<size_t>(16 / width)) {
        return absl::InvalidArgumentError(
            absl::StrCat("malformed v128: ", value.dump()));
      }
      for (int i = 0; i < 16 / width; ++i) {
        absl::StatusOr<uint64_t> bits = ParseBits((*value_it)[i], width);
        if (!bits.ok()) return bits.status();
        WriteLane(arg.value.v128, i, width, *bits);
      }
      return arg;
    }
    default: {  // references
      arg.value.ref = airlock_ref{nullptr, nullptr, nullptr};
      if (*value_it == "null") return arg;
      if (*type == 'e') {
        absl::StatusOr<uint64_t> n = ParseBits(*value_it, 8);
        if (!n.ok()) return n.status();
        arg.value.ref.ctx = ExternHostValue(*n);
        return arg;
      }
      // A script cannot name a non-null funcref as an argument.
      return absl::InvalidArgumentError(
          absl::StrCat("unsupported funcref argument: ", value.dump()));
    }
  }
}

absl::StatusOr<ExpectedResult> ExpectedResult::Parse(const json& value) {
  auto type_it = value.find("type");
  if (!value.is_object() || type_it == value.end() || !type_it->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a typed value: ", value.dump()));
  }
  std::optional<char> type = TypeLetter(type_it->get_ref<const std::string&>());
  if (!type) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown value type: ", value.dump()));
  }
  ExpectedResult expected;
  expected.type_ = *type;
  expected.lane_type_ = *type;
  auto value_it = value.find("value");

  if (*type == 'r' || *type == 'e') {
    Lane lane;
    if (value_it == value.end()) {
      lane.match = Match::kNonNull;  // ref.func / ref.extern without a value
    } else if (*value_it == "null") {
      lane.match = Match::kNull;
    } else if (*type == 'e') {
      absl::StatusOr<uint64_t> n = ParseBits(*value_it, 8);
      if (!n.ok()) return n.status();
      lane.bits = reinterpret_cast<uintptr_t>(ExternHostValue(*n));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unsupported funcref expectation: ", value.dump()));
    }
    expected.lanes_.push_back(lane);
    return expected;
  }

  if (value_it == value.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected value without a value: ", value.dump()));
  }
  std::vector<const json*> lane_values;
  if (*type == 'v') {
    auto lane_it = value.find("lane_type");
    std::optional<char> lane;
    if (lane_it != value.end() && lane_it->is_string()) {
      lane = LaneLetter(lane_it->get_ref<const std::string&>());
    }
    if (!lane || !value_it->is_array() ||
        value_it->size() != static_cast<size_t>(16 / LaneWidth(*lane))) {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed v128: ", value.dump()));
    }
    expected.lane_type_ = *lane;
    for (const json& lane_value : *value_it) lane_values.push_back(&lane_value);
  } else {
    lane_values.push_back(&*value_it);
  }
  const char lane_type = expected.lane_type_;
  for (const json* lane_value : lane_values) {
    Lane lane;
    if ((lane_type == 'f' || lane_type == 'F') && lane_value->is_string() &&
        *lane_value == "nan:canonical") {
      lane.match = Match::kCanonicalNan;
    } else if ((lane_type == 'f' || lane_type == 'F') &&
               lane_value->is_string() && *lane_value == "nan:arithmetic") {
      lane.match = Match::kArithmeticNan;
    } else {
      absl::StatusOr<uint64_t> bits =
          ParseBits(*lane_value, LaneWidth(lane_type));
      if (!bits.ok()) return bits.status();
      lane.bits = *bits;
    }
    expected.lanes_.push_back(lane);
  }
  return expected;
}

bool ExpectedResult::Matches(const airlock_value& actual) const {
  auto lane_matches = [this](const Lane& lane, uint64_t bits) {
    switch (lane.match) {
      case Match::kExact:
        return bits == lane.bits;
      case Match::kCanonicalNan:
        // Either sign; the payload is exactly the quiet bit.
        return lane_type_ == 'f'
                   ? (bits & 0x7fffffffu) == (kF32Exponent | kF32Quiet)
                   : (bits & ~(1ull << 63)) == (kF64Exponent | kF64Quiet);
      case Match::kArithmeticNan:
        // Either sign; the quiet bit set, any other payload.
        return lane_type_ == 'f' ? (bits & (kF32Exponent | kF32Quiet)) ==
                                       (kF32Exponent | kF32Quiet)
                                 : (bits & (kF64Exponent | kF64Quiet)) ==
                                       (kF64Exponent | kF64Quiet);
      default:
        return false;
    }
  };
  switch (type_) {
    case 'r':
    case 'e': {
      const Lane& lane = lanes_[0];
      const bool is_null =
          type_ == 'r' ? actual.ref.fn == nullptr : actual.ref.ctx == nullptr;
      switch (lane.match) {
        case Match::kNull:
          return is_null;
        case Match::kNonNull:
          return !is_null;
        default:  // an externref host value
          return reinterpret_cast<uintptr_t>(actual.ref.ctx) == lane.bits;
      }
    }
    case 'v': {
      const int width = LaneWidth(lane_type_);
      for (size_t i = 0; i < lanes_.size(); ++i) {
        if (!lane_matches(lanes_[i],
                          ReadLane(actual.v128, static_cast<int>(i), width))) {
          return false;
        }
      }
      return true;
    }
    default:
      return lane_matches(lanes_[0], ScalarBits(type_, actual));
  }
}

std::string ExpectedResult::ToString() const {
  auto lane_string = [this](const Lane& lane) -> std::string {
    switch (lane.match) {
      case Match::kCanonicalNan:
        return "nan:canonical";
      case Match::kArithmeticNan:
        return "nan:arithmetic";
      case Match::kNull:
        return type_ == 'r' ? "ref.null func" : "ref.null extern";
      case Match::kNonNull:
        return type_ == 'r' ? "ref.func" : "ref.extern";
      case Match::kExact:
        if (type_ == 'e') return absl::StrCat("ref.extern ", lane.bits - 1);
        return FormatLane(lane_type_, lane.bits);
    }
    return "?";
  };
  if (type_ == 'r' || type_ == 'e') return lane_string(lanes_[0]);
  if (type_ == 'v') {
    std::vector<std::string> lanes;
    for (const Lane& lane : lanes_) lanes.push_back(lane_string(lane));
    return absl::StrCat("v128:", LaneName(lane_type_), "[",
                        absl::StrJoin(lanes, " "), "]");
  }
  return absl::StrCat(ScalarName(type_), ":", lane_string(lanes_[0]));
}

std::string ExpectedResult::Format(const airlock_value& actual) const {
  if (type_ == 'v') return FormatV128(lane_type_, actual);
  return FormatValue(type_, actual);
}

std::string FormatValue(char type, const airlock_value& value) {
  switch (type) {
    case 'r':
    case 'e':
      return FormatRef(type, value.ref);
    case 'v':
      return FormatV128('i', value);
    default:
      return absl::StrCat(ScalarName(type), ":",
                          FormatLane(type, ScalarBits(type, value)));
  }
}

}  // namespace airlock::spectest
