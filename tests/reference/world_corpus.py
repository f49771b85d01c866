#!/usr/bin/env python3
"""The world corpus: caller IDs from every region, each with the reference's verdict.

    world_corpus.py OUT_DIR [--expect-version X.Y.Z]

Writes, into OUT_DIR:
  corpus.tsv     home<TAB>raw<TAB>valid(0/1)<TAB>e164<TAB>type<TAB>region, one line per
                 (home region, raw caller ID); a first line starting with `#` names the
                 reference version
  forms.txt      the written form of each corpus line (same order, one per line), so the
                 Rust test can group its disagreements by form
  emergency.tsv  region<TAB>number: every emergency number of every region
  stats.txt      how many lines of each form and of each reference type

The reference is the Python `phonenumbers` package (Google's libphonenumber) at the
metadata version of the Rust `phonenumber` crate; `scripts/crosscheck.sh` installs it
and runs this. The verdict of each line is what libphonenumber says, read the way a
call blocker reads it (emergency numbers first, then valid numbers, then short numbers;
see `reference`). Deterministic: a fixed seed, and regions and types in sorted order.
"""
import argparse
import collections
import functools
import os
import random
import sys

import phonenumbers as pn
from phonenumbers import PhoneMetadata, PhoneNumberFormat, PhoneNumberType, shortnumberinfo as sni

# libphonenumber's extractPossibleNumber (where a number starts); the Python port keeps it
# private, and shortnumberinfo imports it the same way.
from phonenumbers.phonenumberutil import _extract_possible_number as extract_possible_number

try:  # Python 3.11+: sre_parse lives on as re._parser (the old name warns)
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover
    import sre_parse

SEED = 0x52494E47  # "RING"
MUTATIONS_PER_EXAMPLE = 5
FORMS_PER_MUTATION = 8
RANDOM_DIGIT_STRINGS = 4000
GARBAGE_LINES = 3000
VANITY_LINES = 400

# Every number type with example numbers, in the order the corpus visits them.
TYPES = {
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
}
# The short-number descriptions whose example numbers go into the corpus.
SHORT_DESCS = (
    "emergency", "short_code", "toll_free", "premium_rate", "standard_rate", "carrier_specific", "sms_services",
)
SHORT_COST = {
    sni.ShortNumberCost.PREMIUM_RATE: "premium_rate",
    sni.ShortNumberCost.TOLL_FREE: "toll_free",
    sni.ShortNumberCost.STANDARD_RATE: "short_code",
    sni.ShortNumberCost.UNKNOWN_COST: "short_code",
}
PLUS_CHARS = "+\uff0b"
TOO_SHORT = (pn.NumberParseException.TOO_SHORT_AFTER_IDD, pn.NumberParseException.TOO_SHORT_NSN)
FULLWIDTH = str.maketrans("0123456789+-() ", "０１２３４５６７８９＋－（）\u3000")
LEADING_JUNK = ('"', "<", "Tel. ", "Mob: ")
TRAILING_JUNK = (">", ".", "?")
# Characters a corpus line cannot hold (the TSV and line splitting on either side).
UNSAFE = set("\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
KEYPAD = {"2": "ABC", "3": "DEF", "4": "GHI", "5": "JKL", "6": "MNO", "7": "PQRS", "8": "TUV", "9": "WXYZ"}
US_TOLL_FREE = ("800", "833", "844", "855", "866", "877", "888")
HIDDEN_WORDS = ("anonymous", "Anonymous", "Unknown", "Private", "Restricted", "Withheld", "unavailable", "")
GARBAGE_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!@$%^&_=[]{}|;:',<>/~` éüß日本"
WORDS = ("hello", "call me", "CALL ME", "office", "n/a", "none", "null", "test", "SPAM", "voicemail", "ext")


# ---------------------------------------------------------------- regex expansion


def expand(pattern, max_len):
    """Every string of at most max_len characters the (finite, digit-only) regex matches."""
    return _expand_seq(sre_parse.parse(pattern), max_len)


def _expand_seq(items, max_len):
    """Strings of a sequence of sre_parse nodes, pruned to max_len."""
    out = {""}
    for op, av in items:
        part = _expand_node(op, av, max_len)
        out = {a + b for a in out for b in part if len(a) + len(b) <= max_len}
        if not out:
            break
    return out


def _expand_node(op, av, max_len):
    """Strings of one sre_parse node."""
    c = sre_parse  # the opcodes are re-exported there
    if op is c.LITERAL:
        return {chr(av)}
    if op is c.IN:
        chars = set()
        for kind, val in av:
            if kind is c.LITERAL:
                chars.add(chr(val))
            elif kind is c.RANGE:
                chars.update(chr(x) for x in range(val[0], val[1] + 1))
            elif kind is c.CATEGORY and val is c.CATEGORY_DIGIT:
                chars.update("0123456789")
            else:
                raise ValueError("cannot expand %r %r" % (kind, val))
        return chars
    if op is c.BRANCH:
        return set().union(*(_expand_seq(alt, max_len) for alt in av[1]))
    if op is c.SUBPATTERN:
        return _expand_seq(av[-1], max_len)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT):
        lo, hi, sub = av
        hi = min(hi, max_len)
        unit = _expand_seq(sub, max_len)
        out, level = ({""} if lo == 0 else set()), {""}
        for n in range(1, hi + 1):
            level = {a + b for a in level for b in unit if len(a) + len(b) <= max_len}
            if n >= lo:
                out |= level
            if not level:
                break
        return out
    if op is c.AT:
        return {""}
    raise ValueError("cannot expand %r" % (op,))


# ---------------------------------------------------------------- the reference


def is_plus_form(raw):
    """The caller ID is in `+` form once libphonenumber has found where the number starts."""
    return extract_possible_number(raw)[:1] in tuple(PLUS_CHARS)


# The reference verdict, in order (a "+ form" is one that starts with `+` once
# extract_possible_number has found where the number starts; access-prefix forms such as
# `00 32 ...` are national input here):
#  1. not a number (parse fails): 0 - - -. Except that national input which the parser
#     finds merely too short still gets step 2 (it refuses UZ `001`, an emergency number).
#  2. emergency: national input that is_emergency_number(raw, home) accepts, keyed
#     +<home cc><digits>, region home; a + form whose national number is an emergency
#     number of a region of its country code, region the first such region.
#  3. is_valid_number: 1, E.164, the number type, region_code_for_number (`-` for 001).
#  4. valid short number: national input in home, a + form in the first region of its code
#     that accepts it; type from expected_cost_for_region; keyed +<cc><national number>.
#  5. anything else: 0, E.164 of what was parsed, unknown, -.
def reference(raw, home):
    """libphonenumber's reading of raw received in home: (valid, e164, type, region)."""
    plus = is_plus_form(raw)
    try:
        p = pn.parse(raw, home)
    except pn.NumberParseException as e:
        p = None
        # The parser refuses a few emergency numbers that the short-number metadata lists
        # (UZ 001: "an IDD, then too short"): digits that are merely too short still go
        # through the emergency check below; anything else is not a number.
        if e.error_type not in TOO_SHORT or plus:
            return ("0", "-", "-", "-")
    # Emergency numbers first: a call blocker must always recognise them.
    if not plus:
        if sni.is_emergency_number(raw, home):
            digits = pn.normalize_digits_only(extract_possible_number(raw))
            return ("1", "+%d%s" % (pn.country_code_for_region(home), digits), "emergency", home)
        if p is None:
            return ("0", "-", "-", "-")
    cc, nsn = p.country_code, pn.national_significant_number(p)
    if plus:
        for region in pn.region_codes_for_country_code(cc):
            if sni.is_emergency_number(nsn, region):
                return ("1", "+%d%s" % (cc, nsn), "emergency", region)
    if pn.is_valid_number(p):
        region = pn.region_code_for_number(p)
        region = "-" if region in (None, pn.REGION_CODE_FOR_NON_GEO_ENTITY) else region
        kind = TYPES.get(pn.number_type(p), "unknown")
        return ("1", pn.format_number(p, PhoneNumberFormat.E164), kind, region)
    # Short numbers: dialled at home, or written with their country code.
    short_region = None
    if not plus:
        if sni.is_valid_short_number_for_region(p, home):
            short_region = home
    elif sni.is_valid_short_number(p):
        candidates = pn.region_codes_for_country_code(cc)
        short_region = next(r for r in candidates if sni.is_valid_short_number_for_region(p, r))
    if short_region is not None:
        kind = SHORT_COST[sni.expected_cost_for_region(p, short_region)]
        return ("1", "+%d%s" % (cc, nsn), kind, short_region)
    return ("0", pn.format_number(p, PhoneNumberFormat.E164), "unknown", "-")


# ---------------------------------------------------------------- numbers and their forms


@functools.lru_cache(maxsize=None)
def regions():
    """Every region, sorted."""
    return tuple(sorted(pn.SUPPORTED_REGIONS))


def idd_prefixes(region):
    """The region's international dialling prefixes: the preferred one first, then the
    strings of its international-prefix pattern (2..6 digits, at most 12 of them)."""
    md = PhoneMetadata.metadata_for_region(region)
    out = []
    pref = md.preferred_international_prefix
    if pref and pref.isdigit():
        out.append(pref)
    if md.international_prefix:
        for s in sorted(expand(md.international_prefix, 6), key=lambda s: (len(s), s)):
            if 2 <= len(s) and s.isdigit() and s not in out:
                out.append(s)
    return out[:12]


def example_numbers():
    """(region or None, national significant number, country code) of every example
    number: each region's, per type, and each non-geographic code's."""
    out = []
    for region in regions():
        seen = set()
        for t in TYPES:
            ex = pn.example_number_for_type(region, t)
            if ex is None:
                continue
            nsn = pn.national_significant_number(ex)
            if nsn not in seen:
                seen.add(nsn)
                out.append((region, nsn, ex.country_code))
    for cc in sorted(pn.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        md = PhoneMetadata.metadata_for_nongeo_region(cc)
        seen = set()
        for t in TYPES:
            desc = getattr(md, "fixed_line" if t == PhoneNumberType.FIXED_LINE_OR_MOBILE else TYPES[t], None)
            if desc is not None and desc.example_number and desc.example_number not in seen:
                seen.add(desc.example_number)
                out.append((None, desc.example_number, cc))
    return out


def mutations(rng, nsn):
    """Random near misses of a national number: the last 1-3 digits changed, a digit added
    or dropped (never the first digit, which picks the range)."""
    out = []
    for _ in range(MUTATIONS_PER_EXAMPLE):
        kind = rng.randrange(4)
        d = list(nsn)
        if kind <= 1 or len(d) < 3:
            for i in range(1, rng.randint(1, max(1, min(3, len(d) - 1))) + 1):
                d[-i] = rng.choice("0123456789")
        elif kind == 2:
            d.insert(rng.randrange(1, len(d) + 1), rng.choice("0123456789"))
        else:
            del d[rng.randrange(1, len(d))]
        m = "".join(d)
        if m != nsn and m not in out:
            out.append(m)
    return out


def written_forms(rng, region, nsn, cc):
    """(form, home, raw) for every way the number +cc nsn is written to a phone."""
    try:
        p = pn.parse("+%d%s" % (cc, nsn), None)
    except pn.NumberParseException:
        return []
    all_regions = regions()
    anywhere = lambda: rng.choice(all_regions)  # noqa: E731
    e164 = "+%d%s" % (cc, nsn)
    intl = pn.format_number(p, PhoneNumberFormat.INTERNATIONAL)
    rest = intl[len("+%d" % cc):].strip()  # what follows the country code
    groups = rest.replace("-", " ").split(" ")
    out = [("e164", region or anywhere(), e164), ("e164", anywhere(), e164)]
    out.append(("intl", anywhere(), intl))
    out.append(("intl_spaces", anywhere(), intl.replace("-", " ")))
    out.append(("intl_dashes", anywhere(), "+%d-%s" % (cc, rest.replace(" ", "-"))))
    if len(groups) > 1:
        out.append(("intl_parens", anywhere(), "+%d (%s) %s" % (cc, groups[0], " ".join(groups[1:]))))
    out.append(("tel_uri", anywhere(), pn.format_number(p, PhoneNumberFormat.RFC3966)))
    out.append(("fullwidth", anywhere(), intl.translate(FULLWIDTH)))
    out.append(("junk_lead", anywhere(), rng.choice(LEADING_JUNK) + rng.choice((intl, e164))))
    out.append(("junk_trail", anywhere(), rng.choice((intl, e164)) + rng.choice(TRAILING_JUNK)))
    if region is not None:
        md = PhoneMetadata.metadata_for_region(region)
        national = pn.format_number(p, PhoneNumberFormat.NATIONAL)
        out.append(("national", region, national))
        out.append(("national_plain", region, pn.normalize_digits_only(national)))
        out.append(("fullwidth", region, national.translate(FULLWIDTH)))
        out.append(("junk_lead", region, rng.choice(LEADING_JUNK) + national))
        out.append(("junk_trail", region, national + rng.choice(TRAILING_JUNK)))
        siblings = [r for r in pn.region_codes_for_country_code(cc) if r != region]
        if siblings:
            out.append(("national_sibling", rng.choice(siblings), national))
        if md.national_prefix and len(groups) > 1:
            out.append(("intl_trunk", anywhere(), "+%d (%s)%s" % (cc, md.national_prefix, rest)))
    # Calls from abroad: the home region's access prefix, then the country code.
    for _ in range(2):
        home = anywhere()
        if home == region:
            continue
        idds = idd_prefixes(home)
        if not idds:
            continue
        idd = rng.choice(idds)
        sep = rng.choice((" ", "", "-"))
        out.append(("abroad", home, "%s%s%d %s" % (idd, sep, cc, rest)))
        # `+` typed before the access prefix: only prefixes no country code begins with.
        if idd.startswith("0"):
            out.append(("plus_idd", home, "+%s %d %s" % (idd, cc, rest)))
    return out


def number_lines(rng):
    """Every example number in every form, and its mutations in a random choice of forms."""
    out = []
    for region, nsn, cc in example_numbers():
        out.extend(written_forms(rng, region, nsn, cc))
        for m in mutations(rng, nsn):
            forms = written_forms(rng, region, m, cc)
            rng.shuffle(forms)
            out.extend(("mut_" + f, h, r) for f, h, r in forms[:FORMS_PER_MUTATION])
    return out


def vanity_lines(rng):
    """US toll-free numbers with letters for digits (1-800-FLOWERS), received in the US."""
    out = []
    for _ in range(VANITY_LINES):
        area = rng.choice(US_TOLL_FREE)
        tail = rng.choice((4, 7))
        # Mostly letters only; sometimes a 0 or 1 (no letters on those keys) among them.
        alphabet = "0123456789" if rng.random() < 0.2 else "23456789"
        sub = "".join(rng.choice("23456789" if i == 0 else "0123456789") for i in range(7 - tail))
        sub += "".join(rng.choice(alphabet) for _ in range(tail))
        word = "".join(rng.choice(KEYPAD[d]) if d in KEYPAD else d for d in sub[-tail:])
        if rng.random() < 0.15:
            word = word.lower()
        head = sub[:-tail]
        shape = rng.randrange(5)
        if shape == 0:
            raw = "1-%s-%s%s" % (area, head + "-" if head else "", word)
        elif shape == 1:
            raw = "1 (%s) %s%s" % (area, head + " " if head else "", word)
        elif shape == 2:
            raw = "+1 %s %s%s" % (area, head + " " if head else "", word)
        elif shape == 3:
            raw = "%s-%s%s" % (area, head + "-" if head else "", word)
        else:
            raw = "1%s%s%s" % (area, head, word)
        out.append(("vanity", "US", raw))
    return out


def emergency_numbers(region):
    """Every emergency number of the region: the strings of 2..8 digits its emergency
    pattern matches (checked with is_emergency_number)."""
    md = PhoneMetadata.short_metadata_for_region(region)
    if md is None or md.emergency is None or not md.emergency.national_number_pattern:
        return []
    found = expand(md.emergency.national_number_pattern, 8)
    return sorted(s for s in found if 2 <= len(s) <= 8 and s.isdigit() and sni.is_emergency_number(s, region))


def short_lines(rng):
    """The short numbers of every region (examples of each kind, every emergency number),
    received at home, and some of them written with the country code."""
    out = []
    for region in regions():
        md = PhoneMetadata.short_metadata_for_region(region)
        if md is None:
            continue
        cc = pn.country_code_for_region(region)
        examples = []
        for name in SHORT_DESCS:
            desc = getattr(md, name, None)
            if desc is not None and desc.example_number and desc.example_number not in examples:
                examples.append(desc.example_number)
        for s in emergency_numbers(region):
            out.append(("emergency", region, s))
            if rng.random() < 0.35:
                out.append(("emergency_plus", rng.choice((region, rng.choice(regions()))), "+%d%s" % (cc, s)))
        for s in examples:
            out.append(("short", region, s))
            out.append(("short_plus", rng.choice((region, rng.choice(regions()))), "+%d %s" % (cc, s)))
    return out


def garbage_lines(rng):
    """Things that are not phone numbers (letters, symbols, too many digits), hidden-caller
    words, and random digit strings read in random regions."""
    out = []
    all_regions = regions()
    for w in HIDDEN_WORDS:
        out.append(("hidden", rng.choice(all_regions), w))
    for _ in range(GARBAGE_LINES):
        home = rng.choice(all_regions)
        kind = rng.randrange(4)
        if kind == 0:
            raw = "".join(rng.choice(GARBAGE_ALPHABET) for _ in range(rng.randrange(1, 20)))
        elif kind == 1:
            raw = rng.choice(WORDS) + rng.choice(("", " ", ": ")) + "".join(
                rng.choice("0123456789") for _ in range(rng.randrange(0, 3)))
        elif kind == 2:
            raw = rng.choice(("", "+")) + "".join(rng.choice("0123456789") for _ in range(rng.randrange(18, 40)))
        else:
            raw = "".join(rng.choice("0123456789abcxyz-+#*() ") for _ in range(rng.randrange(3, 24)))
        out.append(("garbage", home, raw))
    for _ in range(RANDOM_DIGIT_STRINGS):
        home = rng.choice(all_regions)
        raw = rng.choice(("", "", "", "+", "0", "00")) + rng.choice("123456789") + "".join(
            rng.choice("0123456789") for _ in range(rng.randrange(2, 15)))
        out.append(("random_digits", home, raw))
    return out


# ---------------------------------------------------------------- output


def main():
    """Generates the corpus into OUT_DIR."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--expect-version", help="fail unless phonenumbers is this version")
    args = ap.parse_args()
    if args.expect_version and pn.__version__ != args.expect_version:
        sys.exit("world_corpus: phonenumbers is %s, expected %s" % (pn.__version__, args.expect_version))
    os.makedirs(args.out_dir, exist_ok=True)
    rng = random.Random(SEED)

    lines = number_lines(rng) + vanity_lines(rng) + short_lines(rng) + garbage_lines(rng)
    seen = set()
    forms = collections.Counter()
    types = collections.Counter()
    path = os.path.join(args.out_dir, "corpus.tsv")
    with open(path + ".tmp", "w", encoding="utf-8", newline="\n") as corpus, \
            open(os.path.join(args.out_dir, "forms.txt.tmp"), "w", encoding="utf-8", newline="\n") as form_file:
        corpus.write("# reference: python phonenumbers %s; home, raw, valid, e164, type, region\n" % pn.__version__)
        for form, home, raw in lines:
            if (home, raw) in seen or UNSAFE & set(raw):
                continue
            seen.add((home, raw))
            verdict = reference(raw, home)
            corpus.write("\t".join((home, raw) + verdict) + "\n")
            form_file.write(form + "\n")
            forms[form] += 1
            types[verdict[2] if verdict[0] == "1" else "invalid"] += 1
    os.replace(path + ".tmp", path)
    os.replace(os.path.join(args.out_dir, "forms.txt.tmp"), os.path.join(args.out_dir, "forms.txt"))

    emergency = 0
    with open(os.path.join(args.out_dir, "emergency.tsv"), "w", encoding="utf-8", newline="\n") as f:
        for region in regions():
            for s in emergency_numbers(region):
                f.write("%s\t%s\n" % (region, s))
                emergency += 1

    stats = ["phonenumbers %s, seed %#x" % (pn.__version__, SEED), "corpus lines: %d" % len(seen),
             "emergency numbers: %d" % emergency, "", "lines per form:"]
    stats += ["  %-22s %7d" % kv for kv in sorted(forms.items(), key=lambda kv: (-kv[1], kv[0]))]
    stats += ["", "lines per reference type (valid lines; invalid counted apart):"]
    stats += ["  %-22s %7d" % kv for kv in sorted(types.items(), key=lambda kv: (-kv[1], kv[0]))]
    text = "\n".join(stats) + "\n"
    with open(os.path.join(args.out_dir, "stats.txt"), "w", encoding="utf-8") as f:
        f.write(text)
    sys.stderr.write(text)


if __name__ == "__main__":
    main()
