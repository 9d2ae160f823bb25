//! Agents answer from ordinary mail clients, which append the whole conversation, a signature
//! and a "Sent from my iPhone" under what they type. Only what the agent wrote now belongs in
//! the requester's mail and the ticket's history, so this cuts the body down to that. The
//! rules are heuristics over plain text that prefer losing a quoted tail to leaking one, and
//! they never cut at a sentence that merely mentions who "wrote" something. Pure, no I/O.

/// A mail's own words, whitespace folded: what an agent wrote, for telling an answer from an
/// autoresponder that says the same thing every time.
pub fn own_words(text: &str) -> String {
    strip(text).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The agent's own new text: everything before the first reply header, separator line or
/// signature delimiter, without `>`-quoted lines and mobile footers, with runs of blank lines
/// capped at two and no blank lines at either end. `\r\n` becomes `\n`.
///
/// A reply header with nothing above it and `>`-quoted lines below it is a bottom-post
/// (Thunderbird, mutt): there the header and the quote are dropped and the text under the
/// quote is kept.
pub fn strip(text: &str) -> String {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut kept: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if is_signature_delimiter(line) || is_separator(line) || is_header_block(&lines, i) {
            break;
        }
        if let Some(span) = attribution_at(&lines, i) {
            let nothing_above = kept.iter().all(|l| is_blank(l));
            if nothing_above && next_non_blank_is_quoted(&lines[i + span..]) {
                i += span;
                continue;
            }
            break;
        }
        if !is_quoted(line) && !is_mobile_footer(line) {
            kept.push(line);
        }
        i += 1;
    }
    tidy(&kept)
}

/// `-- ` (RFC 3676), or `--` as clients that trim trailing spaces send it.
fn is_signature_delimiter(line: &str) -> bool {
    clean(line) == "--"
}

fn is_quoted(line: &str) -> bool {
    clean(line).starts_with('>')
}

fn is_blank(line: &str) -> bool {
    clean(line).is_empty()
}

fn next_non_blank_is_quoted(lines: &[&str]) -> bool {
    lines
        .iter()
        .find(|l| !is_blank(l))
        .is_some_and(|l| is_quoted(l))
}

/// Separator lines that start the quoted or forwarded mail in Outlook, Gmail, Thunderbird,
/// Apple Mail, Yahoo and AOL, in English, Dutch, German and French.
fn is_separator(line: &str) -> bool {
    const TITLES: &[&str] = &[
        "original message",
        "oorspronkelijk bericht",
        "origineel bericht",
        "oorspronkelijk e-mailbericht",
        "ursprüngliche nachricht",
        "message d'origine",
        "message d’origine",
        "forwarded message",
        "doorgestuurd bericht",
        "weitergeleitete nachricht",
        "message transféré",
    ];
    const OPENERS: &[&str] = &[
        "begin forwarded message:",
        "begin doorgestuurd bericht:",
        "anfang der weitergeleiteten nachricht:",
        "début du message réexpédié :",
        "début du message réexpédié:",
    ];
    let t = clean(line);
    if t.chars().count() >= 20 && t.chars().all(|c| c == '_') {
        return true;
    }
    let lower = t.to_lowercase();
    if lower.starts_with("--") {
        let title = lower.trim_matches(|c: char| c == '-' || c.is_whitespace());
        return TITLES.contains(&title);
    }
    OPENERS.contains(&lower.as_str())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    From,
    When,
}

/// The header field a line of a quoted header block starts with, if any: "From:" and its
/// translations, or "Sent:"/"Date:" and theirs. HTML-converted Outlook mail writes
/// `*From:* Jan`, so asterisks are ignored.
fn field(line: &str) -> Option<Field> {
    const FROM: &[&str] = &["from:", "van:", "von:", "de:"];
    const WHEN: &[&str] = &[
        "sent:",
        "date:",
        "verzonden:",
        "verstuurd:",
        "datum:",
        "gesendet:",
        "envoyé:",
        "enviado:",
    ];
    let key = header_text(line);
    if FROM.iter().any(|p| key.starts_with(p)) {
        Some(Field::From)
    } else if WHEN.iter().any(|p| key.starts_with(p)) {
        Some(Field::When)
    } else {
        None
    }
}

fn header_text(line: &str) -> String {
    clean(line)
        .replace('*', "")
        .replace(" :", ":")
        .replace('\u{a0}', " ")
        .to_lowercase()
}

/// An Outlook-style header block: "From: …" with "Sent: …"/"Date: …" within the next few
/// lines (or the other way round, as GMX writes it), or both on one line, as some HTML
/// conversions leave it ("From: X Sent: Y To: Z"). The sender must be a name or address and
/// the date must carry a year, so that "Datum: 5 december / Van: 9:00" in an appointment stays.
fn is_header_block(lines: &[&str], i: usize) -> bool {
    let Some(first) = field(lines[i]) else {
        return false;
    };
    let plausible = |line: &str, f: Field| match f {
        Field::From => field_value(line)
            .chars()
            .next()
            .is_some_and(|c| !c.is_ascii_digit()),
        Field::When => has_year(field_value(line)) || has_time(field_value(line)),
    };
    if !plausible(lines[i], first) {
        return false;
    }
    if first == Field::From {
        let text = header_text(lines[i]);
        let one_line = [
            " sent:",
            " date:",
            " verzonden:",
            " datum:",
            " gesendet:",
            " envoyé:",
        ];
        if one_line.iter().any(|w| text.contains(w)) && has_year(&text) {
            return true;
        }
    }
    lines
        .iter()
        .skip(i + 1)
        .take(8)
        .filter(|l| !is_blank(l))
        .take(4)
        .any(|l| field(l).is_some_and(|f| f != first && plausible(l, f)))
}

/// What follows the field name, e.g. "Jan <jan@example.org>" of "*From:* Jan <jan@example.org>".
fn field_value(line: &str) -> &str {
    line.split_once(':').map_or("", |(_, value)| {
        clean(value.trim_start_matches(|c: char| c == '*' || c.is_whitespace()))
    })
}

/// Four digits in a row and no more, as in "24 november 2026 10:00" or "4/4/2026".
fn has_year(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_digit())
        .any(|run| run.len() == 4)
}

/// A clock time such as "4:22" or "10:00".
fn has_time(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars
        .windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == ':' && w[2].is_ascii_digit())
}

/// The number of lines a reply header ("On … wrote:" and its translations) starting at
/// line `i` spans — one, or up to three when the client wrapped it.
fn attribution_at(lines: &[&str], i: usize) -> Option<usize> {
    let head = strip_leading_dashes(clean(lines[i]));
    if is_attribution(head) {
        return Some(1);
    }
    if !starts_like_attribution(head) || !may_continue(head) {
        return None;
    }
    let mut joined = head.to_string();
    for k in 1..3 {
        let line = lines.get(i + k)?;
        let t = clean(line);
        if t.is_empty() || is_quoted(line) {
            return None;
        }
        joined.push(' ');
        joined.push_str(t);
        if joined.chars().count() > 300 {
            return None;
        }
        if is_attribution(&joined) {
            return Some(k + 1);
        }
        if !may_continue(t) {
            return None;
        }
    }
    None
}

fn strip_leading_dashes(s: &str) -> &str {
    s.trim_start_matches(|c: char| c == '-' || c.is_whitespace())
}

fn starts_like_attribution(s: &str) -> bool {
    let lower = s.to_lowercase();
    ["on ", "op ", "am ", "le "]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// A wrapped header line does not end a sentence ("nov." and "Tue." may end one).
fn may_continue(line: &str) -> bool {
    if line.ends_with(['!', '?']) {
        return false;
    }
    match line.strip_suffix('.') {
        Some(rest) => {
            let last_word = rest.rsplit(char::is_whitespace).next().unwrap_or(rest);
            last_word.chars().count() <= 4
        }
        None => true,
    }
}

/// A whole reply header: it ends in a colon, carries a date or time (a digit), and has one
/// of the shapes mail clients write.
fn is_attribution(s: &str) -> bool {
    let lower = s.to_lowercase().replace('\u{a0}', " ").replace(" :", ":");
    let lower = strip_leading_dashes(lower.trim());
    if !lower.ends_with(':') || !lower.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    (lower.starts_with("on ") && lower.ends_with(" wrote:"))
        || (lower.starts_with("op ")
            && (lower.contains(" schreef ") || lower.ends_with(" geschreven:")))
        || (lower.starts_with("am ") && lower.contains(" schrieb "))
        || (lower.starts_with("le ") && lower.ends_with(" a écrit:"))
        || ((lower.contains(" schrieb am ")
            || lower.contains(" schreef op ")
            || lower.contains(" wrote on "))
            && lower.chars().count() <= 200)
}

/// "Sent from my iPhone" and the like, in the languages the desk meets. Only short lines, so
/// a sentence that happens to start the same way stays.
fn is_mobile_footer(line: &str) -> bool {
    const STARTS: &[&str] = &[
        "sent from my ",
        "sent from outlook",
        "sent from mail for ",
        "sent from yahoo mail",
        "sent from samsung",
        "sent from proton mail",
        "sent from protonmail",
        "sent with proton mail",
        "sent from blackberry",
        "sent with blackberry",
        "sent with sparrow",
        "get outlook for ",
        "download outlook for ",
        "verzonden vanaf mijn ",
        "verstuurd vanaf mijn ",
        "verzonden vanuit mijn ",
        "verstuurd vanuit mijn ",
        "verzonden vanuit outlook",
        "verstuurd vanuit outlook",
        "verzonden vanaf outlook",
        "verstuurd vanaf outlook",
        "verzonden met outlook",
        "verstuurd met outlook",
        "verzonden vanuit mail voor ",
        "verzonden vanaf mail voor ",
        "outlook voor ios downloaden",
        "outlook voor android downloaden",
        "download outlook voor ",
        "haal outlook voor ",
        "von meinem ",
        "gesendet von meinem ",
        "envoyé de mon ",
        "envoyé depuis mon ",
    ];
    let t = clean(line);
    // "Get Outlook for iOS<https://aka.ms/o0ukef>"
    let t = match (t.find('<'), t.ends_with('>')) {
        (Some(open), true) => clean(&t[..open]),
        _ => t,
    };
    let lower = t.to_lowercase();
    lower.chars().count() <= 60 && STARTS.iter().any(|p| lower.starts_with(p))
}

/// Right-trims every line, caps blank runs at two, drops blank lines at both ends.
fn tidy(lines: &[&str]) -> String {
    let mut out: Vec<&str> = Vec::with_capacity(lines.len());
    let mut blanks = 0;
    for line in lines {
        if is_blank(line) {
            blanks += 1;
            if blanks <= 2 && !out.is_empty() {
                out.push("");
            }
        } else {
            blanks = 0;
            out.push(line.trim_end_matches(|c: char| c.is_whitespace() || is_invisible(c)));
        }
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

/// Trimmed of whitespace (the no-break space included) and the invisible characters some
/// clients put in front of a line.
pub(crate) fn clean(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || is_invisible(c))
}

fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmail_top_post() {
        let body = "Hello Jan,\r\n\r\nThe new toner is on order.\r\n\r\nAnna\r\n\r\n\
            On Tue, 24 Nov 2026 at 10:00, Jan de Vries <jan@example.org> wrote:\r\n\r\n\
            > My printer says the toner is empty.\r\n>\r\n> Jan\r\n";
        assert_eq!(
            strip(body),
            "Hello Jan,\n\nThe new toner is on order.\n\nAnna"
        );
    }

    #[test]
    fn gmail_header_wrapped_over_two_lines() {
        let body = "Fixed, the driver was outdated.\n\n\
            On Tue, 24 Nov 2026 at 10:00, Jan de Vries <\njan@example.org> wrote:\n\n\
            > It prints blank pages.\n";
        assert_eq!(strip(body), "Fixed, the driver was outdated.");
        let body = "Fixed.\n\nOn Tue, Nov 24, 2026 at 10:00 AM Jan de Vries <jan@example.org>\n\
            wrote:\n> It prints blank pages.\n";
        assert_eq!(strip(body), "Fixed.");
    }

    #[test]
    fn gmail_unquoted_history_from_html() {
        // An HTML-only reply converted to text: the quote has no `>` marks.
        let body = "Done, see you tomorrow.\n\
            Op di 24 nov 2026 om 10:00 schreef Jan de Vries <jan@example.org>:\n\
            Mijn laptop start niet op.\nJan\n";
        assert_eq!(strip(body), "Done, see you tomorrow.");
    }

    #[test]
    fn dutch_gmail_wrapped() {
        let body = "De monteur komt donderdag.\n\n\
            Op di 24 nov. 2026 om 10:00 schreef Jan de Vries <\njan@example.org>:\n\n\
            > Kan iemand langskomen?\n";
        assert_eq!(strip(body), "De monteur komt donderdag.");
    }

    #[test]
    fn outlook_english_header_block() {
        let body = "Hi Jan,\n\nI have reset your password; you will be asked for a new one.\n\n\
            Kind regards,\nAnna Jansen\nService Desk\n\n\
            ________________________________\n\
            From: Jan de Vries <jan@example.org>\n\
            Sent: Tuesday, November 24, 2026 10:00 AM\n\
            To: Service Desk <desk@example.org>\n\
            Subject: [SD-12] Password expired\n\n\
            I cannot log in anymore.\n";
        assert_eq!(
            strip(body),
            "Hi Jan,\n\nI have reset your password; you will be asked for a new one.\n\n\
             Kind regards,\nAnna Jansen\nService Desk"
        );
        // Without the underscore line (Outlook for Mac, plain text).
        // Exchange: a name without address, a short date.
        let body = "Hello\n\nFrom: xxx@xxx.mailgun.org [mailto:xxx@xxx.mailgun.org]\n\
            Sent: March-09-12 4:22 PM\nTo: Dan Le\nSubject: Loop\n\nHi dan\n";
        assert_eq!(strip(body), "Hello");
        let body = "Reset done.\n\nFrom: Jan de Vries <jan@example.org>\n\
            Date: Tuesday, 24 November 2026 at 10:00\nTo: Service Desk <desk@example.org>\n\
            Subject: Password\n\nHelp!\n";
        assert_eq!(strip(body), "Reset done.");
        // Bold field names from an HTML conversion, a blank line between the fields.
        let body = "Reset done.\n\n*From:* Jan de Vries <jan@example.org>\n\n\
            *Sent:* Tuesday, November 24, 2026 10:00 AM\n*To:* Service Desk\n\nHelp!\n";
        assert_eq!(strip(body), "Reset done.");
    }

    #[test]
    fn outlook_dutch_header_block() {
        let body = "Hoi Jan,\n\nJe account is weer actief.\n\nMet vriendelijke groet,\nAnna\n\n\
            Van: Jan de Vries <jan@example.org>\n\
            Verzonden: dinsdag 24 november 2026 10:00\n\
            Aan: Servicedesk <desk@example.org>\n\
            Onderwerp: [SD-12] Account geblokkeerd\n\n\
            Ik kan niet meer inloggen.\n";
        assert_eq!(
            strip(body),
            "Hoi Jan,\n\nJe account is weer actief.\n\nMet vriendelijke groet,\nAnna"
        );
        let body = "Klaar.\n\nVan: Jan de Vries <jan@example.org>\nDatum: dinsdag 24 november \
            2026 om 10:00\nAan: Servicedesk\n\nVraag\n";
        assert_eq!(strip(body), "Klaar.");
    }

    #[test]
    fn from_and_sent_on_one_line() {
        let body = "Replaced the cable.\n\
            From: Jan de Vries <jan@example.org> Sent: Tuesday, November 24, 2026 10:00 AM \
            To: Service Desk Subject: Network down\nThe network is down.\n";
        assert_eq!(strip(body), "Replaced the cable.");
        let body = "Kabel vervangen.\nVan: Jan <jan@example.org> Verzonden: dinsdag 24 \
            november 2026 10:00 Aan: Servicedesk\nHet netwerk ligt eruit.\n";
        assert_eq!(strip(body), "Kabel vervangen.");
    }

    #[test]
    fn original_message_separators() {
        for sep in [
            "-----Original Message-----",
            "----- Original Message -----",
            "-----Oorspronkelijk bericht-----",
            "-----Ursprüngliche Nachricht-----",
            "---------- Forwarded message ---------",
            "-------- Doorgestuurd bericht --------",
            "Begin forwarded message:",
        ] {
            let body = format!("Done.\n\n{sep}\nFrom: bob <bob@example.com>\n\nHi\n");
            assert_eq!(strip(&body), "Done.", "{sep}");
        }
    }

    #[test]
    fn apple_mail() {
        let body = "Hello\n\nOn 24 Nov 2026, at 10:00, Jan de Vries <jan@example.org> wrote:\n\n\
            > Hi\n";
        assert_eq!(strip(body), "Hello");
        // Apple Mail quotes its own header.
        let body = "Hello\n> On 22 Aug 2026, at 19:21, Jan <jan@example.org> wrote:\n>\n> Hi!\n";
        assert_eq!(strip(body), "Hello");
        let body = "Komt goed.\n\n\
            Op 24 nov. 2026 om 10:00 heeft Jan de Vries <jan@example.org> het volgende \
            geschreven:\n\n> Hallo\n";
        assert_eq!(strip(body), "Komt goed.");
    }

    #[test]
    fn iphone_and_mobile_footers() {
        let body = "Hello\n\nSent from my iPhone\n\nOn Apr 3, 2026, at 4:19 PM, bob \
            <bob@example.com> wrote:\n\n> Hi\n";
        assert_eq!(strip(body), "Hello");
        for footer in [
            "Verzonden vanaf mijn iPhone",
            "Verstuurd vanaf mijn Samsung Galaxy smartphone.",
            "Sent from Outlook for Android",
            "Get Outlook for iOS<https://aka.ms/o0ukef>",
            "Outlook voor iOS downloaden<https://aka.ms/o0ukef>",
        ] {
            let body = format!("Printer staat klaar.\n\n{footer}\n");
            assert_eq!(strip(&body), "Printer staat klaar.", "{footer}");
        }
        // A sentence is not a footer.
        let body = "Sent from my desk phone, the fax test worked fine this morning, so the \
            line is up again.";
        assert_eq!(strip(body), body);
    }

    #[test]
    fn thunderbird_top_and_bottom_post() {
        let body = "Your VPN profile is renewed.\n\n\
            On 24-11-2026 10:00, Jan de Vries wrote:\n> VPN asks for a certificate.\n";
        assert_eq!(strip(body), "Your VPN profile is renewed.");
        let body = "Op 24-11-2026 om 10:00 schreef Jan de Vries:\n> Werkt de VPN al?\n\nJa, \
            sinds vanochtend.\n\n-- \nAnna Jansen\nServicedesk\n";
        assert_eq!(strip(body), "Ja, sinds vanochtend.");
        // Inline answers between quotes.
        let body = "On 04/02/2026 06:26 PM, Megan One wrote:\n> Which model?\nHP 4250\n\
            > Which floor?\n3rd\n";
        assert_eq!(strip(body), "HP 4250\n3rd");
    }

    #[test]
    fn german_and_french_headers() {
        let body = "Erledigt.\n\nAm Di., 24. Nov. 2026 um 10:00 Uhr schrieb Jan \
            <jan@example.org>:\nHallo\n";
        assert_eq!(strip(body), "Erledigt.");
        let body = "It's 1.0.\n\nHocuri schrieb am 17.03.2026 14:25 (GMT +01:00):\nWhat's the \
            version?\n";
        assert_eq!(strip(body), "It's 1.0.");
        let body = "C'est fait.\n\nLe mar. 24 nov. 2026 à 10:00, Jan <jan@example.org> a écrit \
            :\n> Bonjour\n";
        assert_eq!(strip(body), "C'est fait.");
    }

    #[test]
    fn gmx_header_block_date_first() {
        let body = "Yes\n\nGesendet: Dienstag, 08. Dezember 2026 um 12:59 Uhr\nVon: bob@gmx.de\n\
            An: alice@gmx.de\nBetreff: Re: Test\n\nNow?\n";
        assert_eq!(strip(body), "Yes");
    }

    #[test]
    fn yahoo_dashed_header() {
        let body = "Thanks so much.\n\nJoe\n\n--- On Wed, 4/4/26, xxx@example.com \
            <xxx@example.com> wrote:\n\n\nFrom: xxx@example.com\nSubject: Booking\n";
        assert_eq!(strip(body), "Thanks so much.\n\nJoe");
    }

    #[test]
    fn signature_delimiter() {
        assert_eq!(strip("Done.\n\n-- \nAnna Jansen\nService Desk\n"), "Done.");
        assert_eq!(strip("Done.\n--\nAnna"), "Done.");
        assert_eq!(strip("Done.\r\n--\u{a0}\r\nAnna"), "Done.");
        // Dashes inside a line, or more of them, are text.
        assert_eq!(
            strip("Step 1 -- reboot.\n---\nStep 2"),
            "Step 1 -- reboot.\n---\nStep 2"
        );
    }

    #[test]
    fn wrote_inside_a_sentence_is_text() {
        for body in [
            "Jan wrote: the printer works again after the reboot.",
            "As you wrote yesterday, the screen flickers.\nI ordered a new cable.",
            "On Monday the supplier wrote that the part is on its way.\nMore news soon.",
            "On Monday the supplier wrote:\nthe part is on its way.",
            "Op maandag schreef de leverancier dat het onderdeel onderweg is.",
            "Op 3 december komt de monteur.\nHij schreef: graag vooraf bellen.",
            "From: tomorrow on the printer is on floor 2.\nTo: all colleagues.",
            "Datum: 4 december\nTijd: 10:00",
            "Afspraak:\nDatum: donderdag 3 december 2026\nVan: 9:00\nTot: 12:00",
            "Van: 9:00 tot 12:00 op 3 december 2026\nDatum: donderdag",
            "Line one.\n________\nLine two.",
        ] {
            assert_eq!(strip(body), body, "{body}");
        }
    }

    #[test]
    fn blank_lines() {
        assert_eq!(
            strip("\n\nOne.\n\n\n\n\nTwo.\n\nThree.\n \n\u{a0}\n"),
            "One.\n\n\nTwo.\n\nThree."
        );
        assert_eq!(strip("One.  \nTwo.\t"), "One.\nTwo.");
        assert_eq!(strip(""), "");
        assert_eq!(strip("> only a quote\n>\n"), "");
        // Inline quote: the text on both sides stays.
        assert_eq!(
            strip("Yes.\n> Is it fixed?\nAnd the other one too.\n"),
            "Yes.\nAnd the other one too."
        );
    }

    #[test]
    fn odd_input_does_not_panic() {
        for body in [
            "On",
            "On 1",
            "On 1\n",
            "Op 1 schreef",
            "On 1 <\n",
            "\u{feff}",
            "-",
            "--- On",
            "From:",
            "From:\nSent:",
            "<",
            "Get Outlook for iOS<",
            "é<>",
            "\r",
            "\r\n\r\n",
        ] {
            let _ = strip(body);
        }
        assert_eq!(strip("From:\nSent:"), "From:\nSent:");
    }
}
