//! Unit tests of stripping, one mail client or trap a test: what the agent wrote stays, the
//! quoted history, signature and mobile footer go.

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
