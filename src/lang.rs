//! Guesses whether a requester wrote in Dutch or English, so replies use their language.
//! Stop-word counts over the opening of the text; German, French and Spanish are scored
//! too, only so that their shared words ("de", "en", "in") cannot pass for Dutch or English.
//! No confident winner → `None`, and the caller falls back to the desk's default.

use crate::model::Lang;

/// Enough for a desk request; the tail is mostly signatures, disclaimers and quotes.
const WINDOW_CHARS: usize = 2_000;
/// Fewer different stop words than this is a guess, not a finding ("Printer kapot",
/// "Hello Hello", an English "This is a test" subject over a Korean body).
const MIN_DISTINCT: usize = 3;

/// Words frequent in Dutch desk mail and rare in the other languages scored here.
/// Ambiguous ones ("in", "is", "was", "die", "we", "er", "als", "hallo") are left out.
const DUTCH: &str = "de het een en van ik je jij u uw niet dat op te met voor zijn maar om ook \
    bij nog wat naar kan kunnen kunt jullie mijn meer wel geen heb hebben heeft wordt worden \
    dit deze hij zij wij ons onze graag alvast bedankt dank groet groeten vriendelijke hoi \
    beste sinds doet werkt moet uit aan hoe waarom omdat dus toch nu vanochtend alstublieft \
    helpen vraag probleem krijg lukt gisteren zou";

const ENGLISH: &str = "the and a to it my i you your for on with this that have has not can \
    could please would since from but be at our do does don't won't can't isn't doesn't will \
    there what when how thanks thank hi hello regards dear morning any just some get help are \
    am i'm it's know been anymore working yesterday issue problem should they which";

const GERMAN: &str = "der und ist nicht mit ich das zu den ein eine auf für von es sie wir \
    haben kann mein meine bitte seit heute sehr geehrte grüße gruß danke funktioniert mehr \
    nach auch";

const FRENCH: &str = "le la les des est et je vous pas pour que qui une un dans sur avec ne \
    mon ma mes nous bonjour merci ce cette il elle du au cordialement";

const SPANISH: &str = "el los las y que por para con no es mi una un del hola gracias saludos \
    pero como esta muy";

/// Dutch or English, or `None` when the text is too short, in another language, or mixed.
pub fn guess(text: &str) -> Option<Lang> {
    let words = words(text);
    let scores = [
        (Some(Lang::Nl), hits(&words, DUTCH)),
        (Some(Lang::En), hits(&words, ENGLISH)),
        (None, hits(&words, GERMAN)),
        (None, hits(&words, FRENCH)),
        (None, hits(&words, SPANISH)),
    ];
    let (winner, (best, distinct)) = scores.iter().max_by_key(|(_, (n, _))| *n).copied()?;
    let others = scores.iter().map(|(_, (n, _))| *n);
    // A tie means two languages share the top score: not confident.
    let tied = others.clone().filter(|n| *n == best).count() > 1;
    let runner_up = others.filter(|n| *n != best).max().unwrap_or(0);
    let confident = distinct >= MIN_DISTINCT && !tied && best >= 2 * runner_up;
    if confident { winner } else { None }
}

/// Lower-cased words of the window, skipping quoted lines (`> ...`): the quote is often
/// our own or a colleague's text, not the requester's language.
fn words(text: &str) -> Vec<String> {
    let window: String = text.chars().take(WINDOW_CHARS).collect();
    window
        .lines()
        .filter(|line| !line.trim_start().starts_with('>'))
        .flat_map(|line| line.split(|c: char| !(c.is_alphabetic() || c == '\'' || c == '’')))
        .map(|w| w.trim_matches(['\'', '’']).replace('’', "'").to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Total and distinct stop-word hits.
fn hits(words: &[String], stop_words: &str) -> (usize, usize) {
    let stop: Vec<&str> = stop_words.split_whitespace().collect();
    let mut found: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|w| stop.contains(w))
        .collect();
    let total = found.len();
    found.sort_unstable();
    found.dedup();
    (total, found.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dutch_desk_mail() {
        assert_eq!(
            guess("Mijn printer doet het niet meer, kunnen jullie helpen?"),
            Some(Lang::Nl)
        );
        assert_eq!(
            guess("Printer kapot\nHoi, sinds vanochtend krijg ik een foutmelding. Groet, Jan"),
            Some(Lang::Nl)
        );
    }

    #[test]
    fn english_desk_mail() {
        assert_eq!(
            guess("My laptop won't start since this morning"),
            Some(Lang::En)
        );
        assert_eq!(
            guess("Hi, I can’t log in to the VPN anymore. Thanks, Sue"),
            Some(Lang::En)
        );
    }

    #[test]
    fn other_languages_are_none() {
        let german =
            "Mein Drucker funktioniert seit heute nicht mehr, können Sie mir bitte helfen?";
        assert_eq!(guess(german), None);
        assert_eq!(
            guess("Bonjour, mon imprimante ne marche pas depuis ce matin. Merci"),
            None
        );
        assert_eq!(guess("プリンターが動きません。助けてください。"), None);
    }

    #[test]
    fn too_little_text_is_none() {
        assert_eq!(guess(""), None);
        assert_eq!(guess("   \n "), None);
        assert_eq!(guess("Printer kapot"), None);
        assert_eq!(guess("VPN"), None);
        assert_eq!(guess("Hello\nHello"), None);
    }

    #[test]
    fn quoted_text_does_not_count() {
        let reply = "Thanks, that works now and I can log in again.\n\n> Beste, kunt u het nog een keer proberen met de \
                     nieuwe instellingen? Met vriendelijke groet, de servicedesk";
        assert_eq!(guess(reply), Some(Lang::En));
    }

    #[test]
    fn only_the_opening_counts() {
        let english = "My screen is black and it does not turn on. ".repeat(50);
        let text = format!("{english}{}", "het de een ".repeat(1000));
        assert_eq!(guess(&text), Some(Lang::En));
    }
}
