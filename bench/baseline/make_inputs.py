#!/usr/bin/env python3
"""Builds the standard mixed baseline input set (REGION<TAB>RAW lines, see README.md).

    make_inputs.py DATA_DIR OUT_FILE [KR_COUNT] [CN_COUNT]

Blocks, in this order:
  US  the Company_Phone_Number column of ftc-dnc-complaints-2021-07-08.csv, every row as it
      is (blank and garbage rows included: they are real caller input)
  DE  the phone column of phoneblock-blocklist-snapshot.csv, every row as it is
  KR  a generated Korean mix (default 3000 lines)
  CN  a generated Chinese mix (default 3000 lines)

The generated blocks come from a fixed-seed splitmix64 generator written out below (not
Python's `random`), so the file is byte-identical on every machine and Python version.
Stdlib only.
"""
import csv
import hashlib
import os
import sys

SEED = 0x52494E4746454E43  # "RINGFENC"
MASK = (1 << 64) - 1


class Rng:
    """splitmix64: tiny, fully specified, stable everywhere."""

    def __init__(self, seed):
        self.s = seed & MASK

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & MASK
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n):
        return self.next() % n  # bias is irrelevant at these sizes

    def choice(self, seq):
        return seq[self.below(len(seq))]

    def digits(self, n, first="0123456789"):
        if n == 0:
            return ""
        return self.choice(first) + "".join(self.choice("0123456789") for _ in range(n - 1))

    def weighted(self, table):
        total = sum(w for w, _ in table)
        x = self.below(total)
        for w, item in table:
            if x < w:
                return item
            x -= w
        raise AssertionError


FULLWIDTH = str.maketrans("0123456789+-()", "０１２３４５６７８９＋－（）")


def join(rng, groups, seps=("-", " ", "", ".")):
    sep = rng.choice(seps)
    return sep.join(groups)


# --- Korea (home KR) -------------------------------------------------------------------

def kr_mobile(rng):
    a, b = rng.digits(4, "23456789"), rng.digits(4)
    return rng.weighted([(6, "010-%s-%s" % (a, b)), (3, "010%s%s" % (a, b)),
                         (2, "010 %s %s" % (a, b)), (1, "010.%s.%s" % (a, b)),
                         (1, "(010) %s-%s" % (a, b))])


def kr_old_mobile(rng):  # 011/016/017/018/019 with 3- or 4-digit middle group
    pre = rng.choice(["011", "016", "017", "018", "019"])
    return join(rng, [pre, rng.digits(rng.choice([3, 4]), "23456789"), rng.digits(4)], ("-", ""))


def kr_seoul(rng):
    mid = rng.digits(rng.choice([3, 4]), "23456789")
    last = rng.digits(4)
    return rng.weighted([(5, "02-%s-%s" % (mid, last)), (2, "02%s%s" % (mid, last)),
                         (2, "(02) %s-%s" % (mid, last)), (1, "02 %s %s" % (mid, last))])


def kr_other_area(rng):  # a few non-Seoul area codes so 02 is not the only fixed form
    area = rng.choice(["031", "032", "051", "053", "062", "064"])
    return join(rng, [area, rng.digits(rng.choice([3, 4]), "23456789"), rng.digits(4)], ("-", "", " "))


def kr_voip(rng):
    return join(rng, ["070", rng.digits(4, "2345678"), rng.digits(4)], ("-", "", " "))


def kr_representative(rng):  # 15xx/16xx/18xx nationwide representative numbers, 8 digits
    pre = rng.weighted([(4, "1588"), (3, "1577"), (3, "1644"), (1, "1566"), (1, "1600"), (1, "1899")])
    return join(rng, [pre, rng.digits(4)], ("-", "", " "))


def kr_premium(rng):  # 060 information services
    return join(rng, ["060", rng.digits(rng.choice([3, 4]), "2345678"), rng.digits(4)], ("-", ""))


def kr_international(rng):  # the home country written internationally
    kind = rng.weighted([(5, "mobile"), (2, "seoul"), (1, "voip"), (1, "rep")])
    if kind == "mobile":
        nsn = ["10", rng.digits(4, "23456789"), rng.digits(4)]
    elif kind == "seoul":
        nsn = ["2", rng.digits(rng.choice([3, 4]), "23456789"), rng.digits(4)]
    elif kind == "voip":
        nsn = ["70", rng.digits(4, "2345678"), rng.digits(4)]
    else:
        nsn = [rng.choice(["1588", "1577", "1644"]), rng.digits(4)]
    form = rng.weighted([(4, "plus_sep"), (3, "plus_compact"), (1, "plus_dash"),
                         (1, "plus_trunk"), (1, "double_zero"), (1, "idd_001")])
    if form == "plus_sep":
        return "+82 " + "-".join(nsn)
    if form == "plus_compact":
        return "+82" + "".join(nsn)
    if form == "plus_dash":
        return "+82-" + "-".join(nsn)
    if form == "plus_trunk":  # the (0) people write in, keeping the trunk prefix
        return "+82 (0)" + "-".join(nsn)
    if form == "double_zero":
        return "0082" + "".join(nsn)
    return "001-82-" + "-".join(nsn)


FOREIGN = [  # (country code, national significant number generator) for IDD forms
    ("1", lambda r: r.digits(3, "2345678") + r.digits(3, "2345678") + r.digits(4)),   # NANP
    ("86", lambda r: r.choice(["138", "139", "150", "186"]) + r.digits(8)),         # CN mobile
    ("81", lambda r: r.choice(["90", "80", "70"]) + r.digits(8)),                   # JP mobile
    ("81", lambda r: "3" + r.digits(8)),                                            # Tokyo
    ("44", lambda r: "7" + r.choice("45789") + r.digits(8)),                        # UK mobile
    ("49", lambda r: "30" + r.digits(8)),                                           # Berlin
    ("63", lambda r: "9" + r.digits(9)),                                            # PH mobile
    ("84", lambda r: r.choice(["9", "3"]) + r.digits(8)),                           # VN mobile
]


def kr_idd_foreign(rng):  # 001 / 00700 (and a few 002/008) international access forms
    cc, gen = rng.choice(FOREIGN)
    nsn = gen(rng)
    idd = rng.weighted([(5, "001"), (4, "00700"), (1, "002"), (1, "008")])
    return rng.weighted([(3, "%s-%s-%s" % (idd, cc, nsn)), (3, "%s%s%s" % (idd, cc, nsn)),
                         (2, "%s %s %s" % (idd, cc, nsn))])


KR_MIX = [
    (30, kr_mobile), (4, kr_old_mobile), (14, kr_seoul), (5, kr_other_area), (9, kr_voip),
    (9, kr_representative), (5, kr_premium), (12, kr_international), (12, kr_idd_foreign),
]


def gen_kr(rng, count):
    out = []
    for _ in range(count):
        raw = rng.weighted(KR_MIX)(rng)
        if rng.below(100) < 8:  # full-width digits (and ＋ － （ ）), as some handsets send
            raw = raw.translate(FULLWIDTH)
        out.append(("KR", raw))
    return out


# --- China (home CN) -------------------------------------------------------------------

def cn_mobile(rng):
    pre = rng.choice(["130", "131", "132", "133", "135", "136", "137", "138", "139",
                      "150", "151", "152", "153", "155", "156", "157", "158", "159",
                      "180", "181", "182", "183", "185", "186", "187", "188", "189"])
    a, b = rng.digits(4), rng.digits(4)
    return rng.weighted([(6, pre + a + b), (2, "%s %s %s" % (pre, a, b)),
                         (2, "%s-%s-%s" % (pre, a, b))])


def cn_virtual(rng):  # 170/171 mobile virtual network operators
    pre = rng.choice(["170", "171"])
    return join(rng, [pre, rng.digits(4), rng.digits(4)], ("", " ", "-"))


def cn_400(rng):  # 400 national service numbers (and a few 800 freephone)
    pre = rng.weighted([(5, "400"), (1, "800")])
    return join(rng, [pre, rng.digits(3, "0123456789"), rng.digits(4)], ("-", "", " "))


def cn_fixed(rng):  # Beijing 010 / Shanghai 021, 8-digit subscriber numbers
    area = rng.choice(["010", "021"])
    sub = rng.digits(8, "23456789")
    return rng.weighted([(4, "%s-%s" % (area, sub)), (3, area + sub), (2, "(%s)%s" % (area, sub)),
                         (1, "%s %s %s" % (area, sub[:4], sub[4:]))])


def cn_short(rng):  # 955xx bank / insurer numbers and 100xx carrier service numbers
    return rng.weighted([(6, "955" + rng.choice(["88", "33", "99", "55", "66", "59", "58", "95", "18", "19"])),
                         (3, rng.choice(["10086", "10010", "10000", "12315", "12345"]))])


def cn_international(rng):
    kind = rng.weighted([(5, "mobile"), (2, "fixed"), (1, "400")])
    if kind == "mobile":
        nsn = [rng.choice(["138", "139", "186", "150", "170"]), rng.digits(4), rng.digits(4)]
    elif kind == "fixed":
        nsn = [rng.choice(["10", "21"]), rng.digits(8, "23456789")]
    else:
        nsn = ["400", rng.digits(3), rng.digits(4)]
    form = rng.weighted([(4, "plus_sep"), (3, "plus_compact"), (1, "plus_dash"), (2, "double_zero")])
    if form == "plus_sep":
        return "+86 " + " ".join(nsn)
    if form == "plus_compact":
        return "+86" + "".join(nsn)
    if form == "plus_dash":
        return "+86-" + "-".join(nsn)
    return "0086" + "".join(nsn)


CN_MIX = [
    (40, cn_mobile), (8, cn_virtual), (10, cn_400), (18, cn_fixed), (10, cn_short),
    (14, cn_international),
]


def gen_cn(rng, count):
    return [("CN", rng.weighted(CN_MIX)(rng)) for _ in range(count)]


# --- real data -------------------------------------------------------------------------

def column(path, name, region):
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if name not in (reader.fieldnames or []):
            sys.exit("%s: no column %s" % (path, name))
        return [(region, row[name]) for row in reader]


def main(argv):
    if len(argv) not in (2, 3, 4):
        sys.exit(__doc__)
    data, out_path = argv[0], argv[1]
    kr_count = int(argv[2]) if len(argv) > 2 else 3000
    cn_count = int(argv[3]) if len(argv) > 3 else 3000
    rng = Rng(SEED)
    rows = (column(os.path.join(data, "ftc-dnc-complaints-2021-07-08.csv"), "Company_Phone_Number", "US")
            + column(os.path.join(data, "phoneblock-blocklist-snapshot.csv"), "phone", "DE")
            + gen_kr(rng, kr_count)
            + gen_cn(rng, cn_count))
    text = []
    for region, raw in rows:
        if any(c in raw for c in "\t\r\n"):  # cannot be written as one line; never seen so far
            sys.exit("input contains a tab or line break: %r" % raw)
        text.append("%s\t%s\n" % (region, raw))
    blob = "".join(text).encode("utf-8")
    tmp = out_path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(blob)
    os.replace(tmp, out_path)
    counts = {}
    for region, _ in rows:
        counts[region] = counts.get(region, 0) + 1
    sys.stderr.write("wrote %s: %d lines %s sha256 %s\n" % (
        out_path, len(rows), " ".join("%s=%d" % kv for kv in counts.items()),
        hashlib.sha256(blob).hexdigest()))


if __name__ == "__main__":
    main(sys.argv[1:])
