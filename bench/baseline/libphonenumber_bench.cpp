// Baseline: Google's libphonenumber (C++, Debian's libphonenumber-dev) on the same
// input lines as ringfence's normaliser. See bench/baseline/README.md for the formats.
//
//   libphonenumber_bench [--label NAME] INPUT_FILE [REPS]   -> one JSON line on stdout
//   libphonenumber_bench --dump INPUT_FILE                  -> raw \t E164|ERROR \t TYPE|ERROR_KIND
//
// Timed work per input: PhoneNumberUtil::Parse(raw, region) then GetNumberType (the main
// figure). A second, separately timed pass adds IsValidNumber. All lines are loaded into
// memory first and the whole set is run once untimed (warm-up, also gives the counts).

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#ifndef RF_LPN_VERSION
#define RF_LPN_VERSION "unknown"
#endif

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

volatile unsigned long g_sink;  // defeats dead-code elimination of the timed loops

namespace {

struct Input {
  std::string region;
  std::string raw;
};

const char* TypeName(PhoneNumberUtil::PhoneNumberType t) {
  switch (t) {
    case PhoneNumberUtil::FIXED_LINE: return "FIXED_LINE";
    case PhoneNumberUtil::MOBILE: return "MOBILE";
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE: return "FIXED_LINE_OR_MOBILE";
    case PhoneNumberUtil::TOLL_FREE: return "TOLL_FREE";
    case PhoneNumberUtil::PREMIUM_RATE: return "PREMIUM_RATE";
    case PhoneNumberUtil::SHARED_COST: return "SHARED_COST";
    case PhoneNumberUtil::VOIP: return "VOIP";
    case PhoneNumberUtil::PERSONAL_NUMBER: return "PERSONAL_NUMBER";
    case PhoneNumberUtil::PAGER: return "PAGER";
    case PhoneNumberUtil::UAN: return "UAN";
    case PhoneNumberUtil::VOICEMAIL: return "VOICEMAIL";
    case PhoneNumberUtil::UNKNOWN: return "UNKNOWN";
  }
  return "UNKNOWN";
}

const char* ErrorName(PhoneNumberUtil::ErrorType e) {
  switch (e) {
    case PhoneNumberUtil::NO_PARSING_ERROR: return "NO_PARSING_ERROR";
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR: return "INVALID_COUNTRY_CODE";
    case PhoneNumberUtil::NOT_A_NUMBER: return "NOT_A_NUMBER";
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD: return "TOO_SHORT_AFTER_IDD";
    case PhoneNumberUtil::TOO_SHORT_NSN: return "TOO_SHORT_NSN";
    case PhoneNumberUtil::TOO_LONG_NSN: return "TOO_LONG";
  }
  return "UNKNOWN_ERROR";
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// Lines: REGION \t RAW. RAW is everything after the first tab (may be empty). A trailing
// \r is dropped. Empty lines and lines starting with '#' are skipped; a non-empty line
// without a tab is an error (exit 2), so a broken input file is noticed.
bool Load(const char* path, std::vector<Input>* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot open %s\n", path);
    return false;
  }
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find('\t');
    if (tab == std::string::npos) {
      std::fprintf(stderr, "%s:%zu: no tab (want REGION<TAB>RAW)\n", path, lineno);
      return false;
    }
    out->push_back(Input{line.substr(0, tab), line.substr(tab + 1)});
  }
  return true;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int Usage() {
  std::fprintf(stderr,
               "usage: libphonenumber_bench [--label NAME] INPUT_FILE [REPS]\n"
               "       libphonenumber_bench --dump INPUT_FILE\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bool dump = false;
  std::string label;
  std::vector<const char*> pos;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--dump") == 0) {
      dump = true;
    } else if (std::strcmp(argv[i], "--label") == 0 && i + 1 < argc) {
      label = argv[++i];
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      return Usage();
    } else {
      pos.push_back(argv[i]);
    }
  }
  if (pos.empty() || pos.size() > 2) return Usage();
  long reps = 5;
  if (pos.size() == 2) {
    reps = std::strtol(pos[1], nullptr, 10);
    if (reps < 1) return Usage();
  }

  std::vector<Input> inputs;
  if (!Load(pos[0], &inputs)) return 2;
  if (inputs.empty()) {
    std::fprintf(stderr, "%s: no input lines\n", pos[0]);
    return 2;
  }
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber num;

  if (dump) {
    std::string e164;
    std::string outbuf;
    for (const Input& in : inputs) {
      num.Clear();
      PhoneNumberUtil::ErrorType err = util.Parse(in.raw, in.region, &num);
      outbuf += in.raw;
      if (err != PhoneNumberUtil::NO_PARSING_ERROR) {
        outbuf += "\tERROR\t";
        outbuf += ErrorName(err);
      } else {
        util.Format(num, PhoneNumberUtil::E164, &e164);
        outbuf += '\t';
        outbuf += e164;
        outbuf += '\t';
        outbuf += TypeName(util.GetNumberType(num));
      }
      outbuf += '\n';
    }
    std::fwrite(outbuf.data(), 1, outbuf.size(), stdout);
    return 0;
  }

  // Warm-up pass, untimed: fills caches (regexps) and gives the counts.
  std::map<std::string, long> types, errors;
  long parsed_ok = 0, valid = 0;
  for (const Input& in : inputs) {
    num.Clear();
    PhoneNumberUtil::ErrorType err = util.Parse(in.raw, in.region, &num);
    if (err != PhoneNumberUtil::NO_PARSING_ERROR) {
      ++errors[ErrorName(err)];
      continue;
    }
    ++parsed_ok;
    ++types[TypeName(util.GetNumberType(num))];
    if (util.IsValidNumber(num)) ++valid;
  }

  using Clock = std::chrono::steady_clock;
  const double n = static_cast<double>(inputs.size());
  std::vector<double> per_rep, per_rep_valid;
  unsigned long sink = 0;  // keeps the work observable
  for (long r = 0; r < reps; ++r) {
    auto t0 = Clock::now();
    for (const Input& in : inputs) {
      num.Clear();
      if (util.Parse(in.raw, in.region, &num) == PhoneNumberUtil::NO_PARSING_ERROR)
        sink += static_cast<unsigned>(util.GetNumberType(num)) + 1;
    }
    auto t1 = Clock::now();
    per_rep.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / n);
  }
  for (long r = 0; r < reps; ++r) {
    auto t0 = Clock::now();
    for (const Input& in : inputs) {
      num.Clear();
      if (util.Parse(in.raw, in.region, &num) == PhoneNumberUtil::NO_PARSING_ERROR) {
        sink += static_cast<unsigned>(util.GetNumberType(num)) + 1;
        sink += util.IsValidNumber(num) ? 1 : 0;
      }
    }
    auto t1 = Clock::now();
    per_rep_valid.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / n);
  }

  std::string j = "{\"impl\":\"libphonenumber-cpp\",\"version\":" + JsonString(RF_LPN_VERSION);
  if (!label.empty()) j += ",\"label\":" + JsonString(label);
  char buf[256];
  std::snprintf(buf, sizeof buf,
                ",\"inputs\":%zu,\"reps\":%ld,\"median_ns_per_number\":%.1f,"
                "\"min_ns_per_number\":%.1f,\"numbers_per_sec\":%.0f",
                inputs.size(), reps, Median(per_rep),
                *std::min_element(per_rep.begin(), per_rep.end()), 1e9 / Median(per_rep));
  j += buf;
  j += ",\"rep_ns_per_number\":[";
  for (size_t i = 0; i < per_rep.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%s%.1f", i ? "," : "", per_rep[i]);
    j += buf;
  }
  std::snprintf(buf, sizeof buf,
                "],\"with_valid_median_ns_per_number\":%.1f,\"with_valid_min_ns_per_number\":%.1f,"
                "\"parsed_ok\":%ld,\"valid\":%ld",
                Median(per_rep_valid),
                *std::min_element(per_rep_valid.begin(), per_rep_valid.end()), parsed_ok, valid);
  j += buf;
  auto emit_map = [&](const char* key, const std::map<std::string, long>& m) {
    j += ",\"";
    j += key;
    j += "\":{";
    bool first = true;
    for (const auto& kv : m) {
      std::snprintf(buf, sizeof buf, "%s\"%s\":%ld", first ? "" : ",", kv.first.c_str(), kv.second);
      j += buf;
      first = false;
    }
    j += "}";
  };
  emit_map("types", types);
  emit_map("errors", errors);
  j += "}";
  std::printf("%s\n", j.c_str());
  g_sink = sink;
  return 0;
}
