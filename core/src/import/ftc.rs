//! The FTC's Do-Not-Call complaint numbers: one complaint per row, US numbers as the
//! consumer typed them.
//!
//! `Company_Phone_Number,Created_Date,Violation_Date,Consumer_City,Consumer_State,
//! Consumer_Area_Code,Subject,Recorded_Message_Or_Robocall`

use super::{field, read_number, Row, SkipReason};
use crate::decision::Category;
use crate::number::Region;

/// Column positions in the FTC's published layout, used when a file has no header.
const NUMBER: usize = 0;
const CREATED: usize = 1;
const SUBJECT: usize = 6;
const ROBOCALL: usize = 7;

/// Reads one complaint. `header` gives the column names when the file has them, so a
/// reordered export still reads right.
pub fn parse_row(rec: &csv::ByteRecord, header: Option<&[String]>) -> Result<Row, SkipReason> {
    let col = |name: &str, default: usize| {
        header.and_then(|h| h.iter().position(|c| c.eq_ignore_ascii_case(name))).unwrap_or(default)
    };
    let number = read_number(field(rec, col("Company_Phone_Number", NUMBER))?, Region::US)?;
    let at = parse_datetime(field(rec, col("Created_Date", CREATED))?).ok_or(SkipReason::BadTimestamp)?;
    // Subject and the robocall flag are often missing; a complaint still counts.
    let subject = field(rec, col("Subject", SUBJECT)).unwrap_or("");
    let robocall = field(rec, col("Recorded_Message_Or_Robocall", ROBOCALL)).unwrap_or("").trim() == "Y";
    Ok(Row { number, category: category(subject, robocall), votes: 1.0, at })
}

/// The FTC's free-text subject, mapped to a category.
fn category(subject: &str, robocall: bool) -> Category {
    let s = subject.to_ascii_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| s.contains(w));
    if any(&["pretending", "imposter", "technical support", "lotteries", "prizes", "work from home"]) {
        Category::Scam
    } else if any(&["debt"]) {
        Category::DebtCollection
    } else if any(&[
        "warrant",
        "medical",
        "energy",
        "solar",
        "vacation",
        "timeshare",
        "charit",
        "home improvement",
        "home security",
        "alarm",
    ]) {
        Category::Telemarketing
    } else if robocall || any(&["dropped call", "no message"]) {
        Category::Robocall
    } else {
        Category::Unknown
    }
}

/// `2021-07-07 00:01:15` (UTC) to Unix seconds; a bare date is read as midnight. The
/// calendar is jiff's: a date that does not exist (`2021-02-31`, `2021-02-29`) is no date.
fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    let civil = match s.parse::<jiff::civil::DateTime>() {
        Ok(dt) => dt,
        Err(_) => s.parse::<jiff::civil::Date>().ok()?.to_datetime(jiff::civil::Time::midnight()),
    };
    Some(jiff::tz::TimeZone::UTC.to_timestamp(civil).ok()?.as_second())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::record as rec;

    #[test]
    fn reads_a_complaint() {
        let row = parse_row(&rec("2178398804,2021-07-07 00:01:41,2021-07-06 18:17:00,Clinton,Illinois,217,Warranties  & protection plans,Y"), None).unwrap();
        assert_eq!(row.number.to_string(), "+12178398804");
        assert_eq!(row.category, Category::Telemarketing);
        assert_eq!(row.at, 1_625_616_101);
    }

    #[test]
    fn skips_with_reasons() {
        assert_eq!(parse_row(&rec(",2021-07-07 00:01:41,,,,,Other,Y"), None), Err(SkipReason::BlankNumber));
        assert_eq!(
            parse_row(&rec("70611454600144,2021-07-07 00:01:49,,,,,Other,"), None),
            Err(SkipReason::InvalidNumber)
        );
        assert_eq!(parse_row(&rec("2178398804,yesterday,,,,,Other,Y"), None), Err(SkipReason::BadTimestamp));
        assert_eq!(parse_row(&rec("2178398804,2021-02-31 00:01:41,,,,,Other,Y"), None), Err(SkipReason::BadTimestamp));
        assert_eq!(parse_row(&rec("911,2021-07-07 00:01:49,,,,,Other,"), None), Err(SkipReason::EmergencyNumber));
    }

    #[test]
    fn dates() {
        assert_eq!(parse_datetime("1970-01-01 00:00:00"), Some(0));
        assert_eq!(parse_datetime("2021-07-07 00:01:15"), Some(1_625_616_075));
        assert_eq!(parse_datetime(" 2021-07-07T00:01:15 "), Some(1_625_616_075));
        assert_eq!(parse_datetime("2021-07-07"), Some(1_625_616_000));
        assert_eq!(parse_datetime("2000-02-29 12:00:00"), Some(951_825_600), "a leap day");
        assert_eq!(parse_datetime("2024-02-29 00:00:00"), Some(1_709_164_800), "a leap day");
        // Dates and times that do not exist.
        for bad in [
            "2021-02-31 00:01:41",
            "2021-02-29 00:00:00",
            "1900-02-29",
            "2021-04-31",
            "2021-13-01 00:00:00",
            "2021-00-10",
            "2021-07-00",
            "2021-07-07 24:00:00",
            "2021-07-07 23:60:00",
            "",
            "2021-07",
            "07/07/2021",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn subjects() {
        assert_eq!(
            category("Calls pretending to be government, businesses, or family and friends", false),
            Category::Scam
        );
        assert_eq!(
            category("Reducing your debt (credit cards, mortgage, student loans)", true),
            Category::DebtCollection
        );
        assert_eq!(category("Other", true), Category::Robocall);
        assert_eq!(category("No Subject Provided", false), Category::Unknown);
    }
}
