//! The Prometheus text exposition format (version 0.0.4): per metric family a `# HELP` and a
//! `# TYPE` line, then its samples, one per line, label values escaped. The one writer for
//! both the in-memory counters and the gauges read from the database at scrape time.

use super::Observed;
use std::fmt::Write;

/// The `Content-Type` a scraper expects for this format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// The text being written.
#[derive(Debug, Default)]
pub struct Exposition {
    text: String,
}

impl Exposition {
    /// Starts a metric family; its samples follow.
    pub fn family(&mut self, name: &str, help: &str, kind: Kind) {
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.text, "# HELP {name} {help}");
        let _ = writeln!(self.text, "# TYPE {name} {}", kind.as_str());
    }

    /// One sample line: `name{label="value",…} number`.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (i, (label, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{label}=\"{}\"", escape_label(v));
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {}", number(value));
    }

    /// A gauge family of one sample without labels.
    pub fn gauge(&mut self, name: &str, help: &str, value: f64) {
        self.family(name, help, Kind::Gauge);
        self.sample(name, &[], value);
    }

    /// A histogram family: cumulative `_bucket` lines (`+Inf` last), `_sum` and `_count`.
    pub fn histogram(&mut self, name: &str, help: &str, bounds: &[f64], observed: &Observed) {
        self.family(name, help, Kind::Histogram);
        let bucket = format!("{name}_bucket");
        let mut cumulative = 0;
        for (i, bound) in bounds.iter().enumerate() {
            cumulative += observed.counts.get(i).copied().unwrap_or(0);
            self.sample(&bucket, &[("le", &number(*bound))], cumulative as f64);
        }
        self.sample(&bucket, &[("le", "+Inf")], observed.count as f64);
        self.sample(&format!("{name}_sum"), &[], observed.sum);
        self.sample(&format!("{name}_count"), &[], observed.count as f64);
    }

    pub fn finish(self) -> String {
        self.text
    }
}

/// Backslash, double quote and line feed are the characters a label value must escape.
fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Go's float syntax as Prometheus reads it: `1`, `0.25`, `+Inf`, `NaN`.
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_and_help_are_escaped() {
        let mut out = Exposition::default();
        out.family("deskmail_x", "a \\ back\nslash", Kind::Gauge);
        out.sample("deskmail_x", &[("kind", "a\"b\\c\nd")], 2.0);
        let text = out.finish();
        assert_eq!(
            text,
            "# HELP deskmail_x a \\\\ back\\nslash\n# TYPE deskmail_x gauge\n\
             deskmail_x{kind=\"a\\\"b\\\\c\\nd\"} 2\n"
        );
    }

    #[test]
    fn several_labels_are_comma_separated_and_numbers_are_written_as_prometheus_reads_them() {
        let mut out = Exposition::default();
        out.sample("deskmail_y", &[("a", "1"), ("b", "2")], 0.5);
        out.sample("deskmail_z", &[], f64::INFINITY);
        out.sample("deskmail_z", &[], f64::NAN);
        assert_eq!(
            out.finish(),
            "deskmail_y{a=\"1\",b=\"2\"} 0.5\ndeskmail_z +Inf\ndeskmail_z NaN\n"
        );
    }

    #[test]
    fn an_empty_histogram_still_has_every_bucket_sum_and_count() {
        let mut out = Exposition::default();
        let observed = Observed {
            counts: vec![0, 0, 0],
            sum: 0.0,
            count: 0,
        };
        out.histogram("deskmail_h", "h", &[0.1, 1.0], &observed);
        assert_eq!(
            out.finish(),
            "# HELP deskmail_h h\n# TYPE deskmail_h histogram\n\
             deskmail_h_bucket{le=\"0.1\"} 0\ndeskmail_h_bucket{le=\"1\"} 0\n\
             deskmail_h_bucket{le=\"+Inf\"} 0\ndeskmail_h_sum 0\ndeskmail_h_count 0\n"
        );
    }
}
