//! A plain list anyone can write: `number,category[,votes]`. Numbers in national form
//! are read in the user's home region.

use super::{field, read_number, read_votes, Row, SkipReason};
use crate::decision::Category;
use crate::number::Region;

pub fn parse_row(rec: &csv::ByteRecord, home: Region, now: i64) -> Result<Row, SkipReason> {
    let number = read_number(field(rec, 0)?, home)?;
    let category = match field(rec, 1).map(str::trim) {
        Ok("") | Err(_) => Category::Unknown,
        Ok(c) => c.parse::<Category>().ok().filter(Category::is_reportable).ok_or(SkipReason::UnknownCategory)?,
    };
    let votes = match field(rec, 2).map(str::trim) {
        Ok("") | Err(_) => 1.0,
        Ok(v) => read_votes(v)?,
    };
    Ok(Row { number, category, votes, at: now })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::record as rec;

    #[test]
    fn rows() {
        let row = parse_row(&rec("1588-1234,telemarketing,7"), Region::KR, 100).unwrap();
        assert_eq!(row.number.to_string(), "+8215881234");
        assert_eq!((row.category, row.votes, row.at), (Category::Telemarketing, 7.0, 100));
        let row = parse_row(&rec("+8613812345678"), Region::KR, 0).unwrap();
        assert_eq!((row.category, row.votes), (Category::Unknown, 1.0));
        assert_eq!(parse_row(&rec("010-1234-5678,cheese"), Region::KR, 0), Err(SkipReason::UnknownCategory));
        assert_eq!(parse_row(&rec("010-1234-5678,emergency"), Region::KR, 0), Err(SkipReason::UnknownCategory));
        assert_eq!(parse_row(&rec("010-1234-5678,scam,1e999"), Region::KR, 0), Err(SkipReason::BadVotes));
        assert_eq!(parse_row(&rec("119,scam"), Region::KR, 0), Err(SkipReason::EmergencyNumber));
    }
}
