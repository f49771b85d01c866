//! A PhoneBlock blocklist snapshot: `phone,votes,lastActivity` with E.164 numbers,
//! community votes, and the last report in Unix milliseconds.

use super::{field, read_number, read_votes, Row, SkipReason};
use crate::decision::Category;
use crate::number::Region;

pub fn parse_row(rec: &csv::ByteRecord, home: Region) -> Result<Row, SkipReason> {
    let number = read_number(field(rec, 0)?, home)?;
    let votes = read_votes(field(rec, 1)?)?;
    let millis: i64 = field(rec, 2)?.trim().parse().map_err(|_| SkipReason::BadTimestamp)?;
    if millis < 0 {
        return Err(SkipReason::BadTimestamp);
    }
    // PhoneBlock's snapshot has no category column.
    Ok(Row { number, category: Category::Unknown, votes, at: millis / 1000 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::record as rec;

    #[test]
    fn rows() {
        let row = parse_row(&rec("+4915112345678,41,1772127141000"), Region::KR).unwrap();
        assert_eq!(row.number.to_string(), "+4915112345678");
        assert_eq!((row.votes, row.at), (41.0, 1_772_127_141));
        assert_eq!(parse_row(&rec("+10000000000,22,1773159201000"), Region::US), Err(SkipReason::InvalidNumber));
        assert_eq!(parse_row(&rec("+4915112345678,many,1"), Region::US), Err(SkipReason::BadVotes));
        assert_eq!(parse_row(&rec("+4915112345678,-3,1"), Region::US), Err(SkipReason::BadVotes));
        assert_eq!(parse_row(&rec("+4915112345678,3,soon"), Region::US), Err(SkipReason::BadTimestamp));
        assert_eq!(parse_row(&rec("+4915112345678,3"), Region::US), Err(SkipReason::MalformedRow));
    }
}
