//! A certificate's validity dates, read from its DER. webpki checks them only on the way to a
//! trust anchor; a pinned certificate is trusted without one, so its dates are checked here.

use rustls::pki_types::UnixTime;
use std::time::Duration;

/// notBefore and notAfter, in seconds since the epoch; `None` if the DER is not a certificate.
pub fn validity(der: &[u8]) -> Option<(u64, u64)> {
    let (_, cert, _) = tlv(der, SEQUENCE)?;
    let (_, mut tbs, _) = tlv(cert, SEQUENCE)?;
    // [0] EXPLICIT version, present from X.509 v2 on
    if tbs.first() == Some(&0xa0) {
        tbs = tlv(tbs, 0xa0)?.2;
    }
    let tbs = tlv(tbs, INTEGER)?.2; // serialNumber
    let tbs = tlv(tbs, SEQUENCE)?.2; // signature algorithm
    let tbs = tlv(tbs, SEQUENCE)?.2; // issuer
    let (_, dates, _) = tlv(tbs, SEQUENCE)?;
    let (tag, not_before, rest) = any_tlv(dates)?;
    let not_before = time(tag, not_before)?;
    let (tag, not_after, _) = any_tlv(rest)?;
    Some((not_before, time(tag, not_after)?))
}

/// Refuse a certificate outside its dates, with the errors webpki gives for one.
pub fn check(der: &[u8], now: UnixTime) -> Result<(), rustls::Error> {
    use rustls::CertificateError;
    let (not_before, not_after) = validity(der).ok_or(CertificateError::BadEncoding)?;
    let at = |s| UnixTime::since_unix_epoch(Duration::from_secs(s));
    if now.as_secs() < not_before {
        return Err(CertificateError::NotValidYetContext {
            time: now,
            not_before: at(not_before),
        }
        .into());
    }
    if now.as_secs() > not_after {
        return Err(CertificateError::ExpiredContext {
            time: now,
            not_after: at(not_after),
        }
        .into());
    }
    Ok(())
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;

/// One DER element with tag `want`: (tag, contents, what follows).
fn tlv(input: &[u8], want: u8) -> Option<(u8, &[u8], &[u8])> {
    any_tlv(input).filter(|(tag, _, _)| *tag == want)
}

fn any_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// UTCTime `YYMMDDHHMMSSZ` (years 1950–2049, RFC 5280) or GeneralizedTime `YYYYMMDDHHMMSSZ`.
fn time(tag: u8, value: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(value).ok()?.strip_suffix('Z')?;
    let (year, rest) = match tag {
        UTC_TIME if text.len() == 12 => {
            let yy: i32 = text.get(..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &text[2..])
        }
        GENERALIZED_TIME if text.len() == 14 => (text.get(..4)?.parse().ok()?, &text[4..]),
        _ => return None,
    };
    let num = |i: usize| rest.get(i..i + 2)?.parse::<u32>().ok();
    let at = chrono::NaiveDate::from_ymd_opt(year, num(0)?, num(2)?)?
        .and_hms_opt(num(4)?, num(6)?, num(8)?)?
        .and_utc()
        .timestamp();
    u64::try_from(at).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Wrap `contents` in a DER element.
    fn der(tag: u8, contents: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        if contents.len() < 0x80 {
            out.push(contents.len() as u8);
        } else {
            out.extend([0x82, (contents.len() >> 8) as u8, contents.len() as u8]);
        }
        out.extend(contents);
        out
    }

    fn certificate(not_before: (u8, &str), not_after: (u8, &str), version: bool) -> Vec<u8> {
        let mut tbs = Vec::new();
        if version {
            tbs.extend(der(0xa0, &der(INTEGER, &[2])));
        }
        tbs.extend(der(INTEGER, &[0x01, 0x23]));
        tbs.extend(der(SEQUENCE, &der(0x06, &[1, 2, 3])));
        // a long issuer, so that a long-form length is read
        tbs.extend(der(SEQUENCE, &[0x05; 200]));
        let mut dates = der(not_before.0, not_before.1.as_bytes());
        dates.extend(der(not_after.0, not_after.1.as_bytes()));
        tbs.extend(der(SEQUENCE, &dates));
        tbs.extend(der(SEQUENCE, &[]));
        let mut cert = der(SEQUENCE, &tbs);
        cert.extend(der(SEQUENCE, &[]));
        cert.extend(der(0x03, &[0]));
        der(SEQUENCE, &cert)
    }

    #[test]
    fn reads_utc_and_generalized_times() {
        let c = certificate(
            (UTC_TIME, "260101120000Z"),
            (GENERALIZED_TIME, "20360101120000Z"),
            true,
        );
        assert_eq!(validity(&c), Some((1_767_268_800, 2_082_801_600)));
        let old = certificate(
            (UTC_TIME, "991231235959Z"),
            (UTC_TIME, "490101000000Z"),
            false,
        );
        assert_eq!(validity(&old), Some((946_684_799, 2_493_072_000)));
    }

    #[test]
    fn refuses_outside_the_dates_and_garbage() {
        let c = certificate(
            (UTC_TIME, "260101120000Z"),
            (UTC_TIME, "270101120000Z"),
            true,
        );
        let at = |s| UnixTime::since_unix_epoch(Duration::from_secs(s));
        assert!(check(&c, at(1_780_000_000)).is_ok());
        let early = check(&c, at(1_700_000_000)).map_err(|e| e.to_string());
        assert!(early.is_err_and(|e| e.contains("not valid yet")));
        let late = check(&c, at(1_900_000_000)).map_err(|e| e.to_string());
        assert!(late.is_err_and(|e| e.contains("expired")));
        assert!(check(&c[..40], at(1_780_000_000)).is_err());
        let bad = certificate((UTC_TIME, "2601011200Z"), (UTC_TIME, "270101120000Z"), true);
        assert_eq!(validity(&bad), None);
    }
}
