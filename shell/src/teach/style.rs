//! How the shell marks things: colour when the terminal allows it (and
//! NO_COLOR is unset), and `--plain` for screen readers: no colour, no box
//! drawing, pass and fail in words.

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub colour: bool,
    pub plain: bool,
}

impl Style {
    pub fn detect(plain: bool) -> Self {
        let no_colour = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let tty = std::io::IsTerminal::is_terminal(&std::io::stdout());
        Style {
            colour: !plain && !no_colour && tty,
            plain,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn pass(&self, text: &str) -> String {
        if self.plain {
            format!("PASS: {text}")
        } else {
            self.paint("32", &format!("✔ {text}"))
        }
    }

    pub fn fail(&self, text: &str) -> String {
        if self.plain {
            format!("FAIL: {text}")
        } else {
            self.paint("31", &format!("✘ {text}"))
        }
    }

    pub fn heading(&self, text: &str) -> String {
        if self.plain {
            text.to_string()
        } else {
            self.paint("1", &format!("── {text} ──"))
        }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    pub fn code(&self, text: &str) -> String {
        self.paint("36", text)
    }

    /// The prompt: plain text, and the same painted.
    pub fn prompt(&self, text: &str) -> (String, String) {
        (text.to_string(), self.paint("1;34", text))
    }
}
