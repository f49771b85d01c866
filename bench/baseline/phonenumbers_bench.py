#!/usr/bin/env python3
"""Secondary baseline: the Python port of libphonenumber (PyPI `phonenumbers`).

Same inputs, same JSON line and dump format as libphonenumber_bench.cpp (see README.md):

    phonenumbers_bench.py [--label NAME] INPUT_FILE [REPS]   -> one JSON line
    phonenumbers_bench.py --dump INPUT_FILE                  -> raw \\t E164|ERROR \\t TYPE|ERROR_KIND

Timed work per input: phonenumbers.parse(raw, region) then number_type() (main figure);
a second, separately timed pass adds is_valid_number(). Parse failures are exceptions
here (NumberParseException) and their cost is part of the figure.
"""
import json
import statistics
import sys
import time

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

TYPE_NAMES = {v: k for k, v in vars(PhoneNumberType).items() if k.isupper() and isinstance(v, int)}
ERROR_NAMES = {v: k for k, v in vars(NumberParseException).items() if k.isupper() and isinstance(v, int)}


def load(path):
    """REGION<TAB>RAW lines; empty and '#' lines skipped; a line without a tab is fatal."""
    inputs = []
    with open(path, encoding="utf-8", newline="\n") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.endswith("\r"):
                line = line[:-1]
            if not line or line.startswith("#"):
                continue
            region, tab, raw = line.partition("\t")
            if not tab:
                sys.exit(f"{path}:{lineno}: no tab (want REGION<TAB>RAW)")
            inputs.append((region, raw))
    return inputs


def usage():
    sys.exit("usage: phonenumbers_bench.py [--label NAME] INPUT_FILE [REPS]\n"
             "       phonenumbers_bench.py --dump INPUT_FILE")


def main(argv):
    dump, label, pos = False, None, []
    it = iter(argv)
    for a in it:
        if a == "--dump":
            dump = True
        elif a == "--label":
            label = next(it, None) or usage()
        elif a.startswith("-") and a != "-":
            usage()
        else:
            pos.append(a)
    if not 1 <= len(pos) <= 2:
        usage()
    reps = int(pos[1]) if len(pos) == 2 else 5
    if reps < 1:
        usage()
    inputs = load(pos[0])
    if not inputs:
        sys.exit(f"{pos[0]}: no input lines")

    parse, number_type, is_valid = phonenumbers.parse, phonenumbers.number_type, phonenumbers.is_valid_number

    if dump:
        out = []
        for region, raw in inputs:
            try:
                n = parse(raw, region)
            except NumberParseException as e:
                out.append(f"{raw}\tERROR\t{ERROR_NAMES.get(e.error_type, e.error_type)}\n")
                continue
            e164 = phonenumbers.format_number(n, PhoneNumberFormat.E164)
            out.append(f"{raw}\t{e164}\t{TYPE_NAMES[number_type(n)]}\n")
        sys.stdout.write("".join(out))
        return

    # Warm-up, untimed: loads each region's metadata, compiles regexps, gives the counts.
    types, errors, parsed_ok, valid = {}, {}, 0, 0
    for region, raw in inputs:
        try:
            n = parse(raw, region)
        except NumberParseException as e:
            k = ERROR_NAMES.get(e.error_type, str(e.error_type))
            errors[k] = errors.get(k, 0) + 1
            continue
        parsed_ok += 1
        k = TYPE_NAMES[number_type(n)]
        types[k] = types.get(k, 0) + 1
        valid += is_valid(n)

    count = len(inputs)

    def timed(with_valid):
        per_rep = []
        for _ in range(reps):
            t0 = time.perf_counter_ns()
            for region, raw in inputs:
                try:
                    n = parse(raw, region)
                except NumberParseException:
                    continue
                number_type(n)
                if with_valid:
                    is_valid(n)
            per_rep.append((time.perf_counter_ns() - t0) / count)
        return per_rep

    per_rep = timed(False)
    per_rep_valid = timed(True)
    med = statistics.median(per_rep)
    rec = {"impl": "phonenumbers-py", "version": phonenumbers.__version__}
    if label:
        rec["label"] = label
    rec.update({
        "inputs": count,
        "reps": reps,
        "median_ns_per_number": round(med, 1),
        "min_ns_per_number": round(min(per_rep), 1),
        "numbers_per_sec": round(1e9 / med),
        "rep_ns_per_number": [round(x, 1) for x in per_rep],
        "with_valid_median_ns_per_number": round(statistics.median(per_rep_valid), 1),
        "with_valid_min_ns_per_number": round(min(per_rep_valid), 1),
        "parsed_ok": parsed_ok,
        "valid": valid,
        "types": dict(sorted(types.items())),
        "errors": dict(sorted(errors.items())),
        "python": sys.version.split()[0],
    })
    print(json.dumps(rec, separators=(",", ":"), ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
