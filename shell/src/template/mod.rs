//! The Go-template subset docker's `--format` and `inspect -f` take.
//!
//! Written here rather than taken from a crate: gtmpl (the maintained Go
//! template port) prints arrays and maps in Rust debug form, has no ordered
//! maps and renders a missing key as `<no value>`, where docker prints
//! `[a b]` and `map[k:v]` and fails on a missing key. Users compare what
//! they see with docker's documentation, so those details matter.

mod exec;
mod funcs;
mod parse;

use serde_json::Value;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TemplateError {
    #[error("template parsing error: template: :1: {0}")]
    Parse(String),
    #[error("template: :1: executing \"\": {0}")]
    Exec(String),
    /// An execution error at a field, placed as Go places it.
    #[error("template: :{line}:{col}: executing \"\" at <{node}>: {message}")]
    At {
        line: usize,
        col: usize,
        node: String,
        message: String,
    },
}

impl TemplateError {
    fn at(self, pos: parse::Pos, node: &str) -> Self {
        match self {
            TemplateError::Exec(message) => TemplateError::At {
                line: pos.line,
                col: pos.col,
                node: node.to_string(),
                message,
            },
            other => other,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Template {
    nodes: Vec<parse::Node>,
}

impl Template {
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        Ok(Template {
            nodes: parse::parse(source)?,
        })
    }

    pub fn render(&self, data: &Value) -> Result<String, TemplateError> {
        exec::Exec::new(data).run(&self.nodes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(t: &str, data: &Value) -> String {
        Template::parse(t).unwrap().render(data).unwrap()
    }

    fn inspect() -> Value {
        json!({
            "Id": "abc123",
            "Name": "/web",
            "State": {"Status": "running", "Running": true, "ExitCode": 0, "Pid": 42},
            "Config": {"Cmd": ["sh", "-c", "top"], "Labels": {"tier": "front", "app": "demo"}, "Env": ["A=1", "B=2"]},
            "NetworkSettings": {"Networks": {"bridge": {"IPAddress": "172.17.0.2"}}},
            "Mounts": [{"Source": "/a", "Destination": "/b"}],
            "Ratio": 0.5,
            "Health": null
        })
    }

    #[test]
    fn fields_and_nested_map_keys() {
        let d = inspect();
        assert_eq!(render("{{.State.Status}}", &d), "running");
        assert_eq!(
            render("{{.NetworkSettings.Networks.bridge.IPAddress}}", &d),
            "172.17.0.2"
        );
        assert_eq!(
            render("{{.State.Running}} {{.State.Pid}} {{.Ratio}}", &d),
            "true 42 0.5"
        );
        assert_eq!(render("{{.Name}}-{{.Id}}", &d), "/web-abc123");
    }

    #[test]
    fn go_printing_of_lists_and_maps() {
        let d = inspect();
        assert_eq!(render("{{.Config.Cmd}}", &d), "[sh -c top]");
        assert_eq!(render("{{.Config.Labels}}", &d), "map[app:demo tier:front]");
        assert_eq!(render("{{.Mounts}}", &d), "[map[Destination:/b Source:/a]]");
        assert_eq!(render("{{.Health}}", &d), "<no value>");
    }

    #[test]
    fn functions() {
        let d = inspect();
        assert_eq!(render("{{json .Config.Cmd}}", &d), r#"["sh","-c","top"]"#);
        assert_eq!(
            render("{{json .State}}", &d),
            r#"{"Status":"running","Running":true,"ExitCode":0,"Pid":42}"#
        );
        assert_eq!(render("{{join .Config.Cmd \",\"}}", &d), "sh,-c,top");
        assert_eq!(
            render(
                "{{upper .State.Status}} {{lower \"AbC\"}} {{title \"hello world\"}}",
                &d
            ),
            "RUNNING abc Hello World"
        );
        assert_eq!(render("{{index .Config.Labels \"tier\"}}", &d), "front");
        assert_eq!(render("{{index .Config.Cmd 1}}", &d), "-c");
        assert_eq!(render("{{len .Config.Env}}", &d), "2");
        assert_eq!(
            render("{{printf \"%-8s|%5d|%q\" .State.Status 42 \"x\"}}", &d),
            "running |   42|\"x\""
        );
        assert_eq!(render("{{.State.Status | upper}}", &d), "RUNNING");
        assert_eq!(render("{{(index .Mounts 0).Source}}", &d), "/a");
        assert_eq!(render("{{split \"a:b\" \":\"}}", &d), "[a b]");
        assert_eq!(
            render("{{pad \"x\" 1 2}}|{{truncate \"abcdef\" 3}}", &d),
            " x  |abc"
        );
    }

    #[test]
    fn conditionals_and_comparison() {
        let d = inspect();
        assert_eq!(
            render("{{if .State.Running}}up{{else}}down{{end}}", &d),
            "up"
        );
        assert_eq!(
            render(
                "{{if eq .State.Status \"exited\"}}x{{else if eq .State.Status \"running\"}}r{{end}}",
                &d
            ),
            "r"
        );
        assert_eq!(
            render("{{if ne .State.ExitCode 0}}bad{{else}}ok{{end}}", &d),
            "ok"
        );
        assert_eq!(
            render("{{if eq .State.Status \"a\" \"running\"}}one of{{end}}", &d),
            "one of"
        );
        assert_eq!(
            render("{{if and .State.Running (not .Health)}}yes{{end}}", &d),
            "yes"
        );
        assert_eq!(render("{{with .Health}}h{{else}}none{{end}}", &d), "none");
        assert_eq!(render("{{if gt .State.Pid 10}}big{{end}}", &d), "big");
    }

    #[test]
    fn range_over_lists_and_maps_with_variables() {
        let d = inspect();
        assert_eq!(
            render("{{range .Config.Env}}[{{.}}]{{end}}", &d),
            "[A=1][B=2]"
        );
        assert_eq!(
            render(
                "{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}",
                &d
            ),
            "app=demo;tier=front;"
        );
        assert_eq!(
            render("{{range $i, $e := .Config.Cmd}}{{$i}}:{{$e}} {{end}}", &d),
            "0:sh 1:-c 2:top "
        );
        assert_eq!(
            render("{{range .Mounts}}{{.Source}}->{{.Destination}}{{end}}", &d),
            "/a->/b"
        );
        assert_eq!(
            render(
                "{{range .Nothing}}x{{else}}empty{{end}}",
                &json!({"Nothing": []})
            ),
            "empty"
        );
        assert_eq!(
            render(
                "{{range $name, $net := .NetworkSettings.Networks}}{{$name}} {{$net.IPAddress}}{{end}}",
                &d
            ),
            "bridge 172.17.0.2"
        );
        assert_eq!(
            render(
                "{{$s := .State.Status}}{{range .Config.Env}}{{$s}}{{end}}",
                &d
            ),
            "runningrunning"
        );
        assert_eq!(
            render("{{range .Config.Env}}{{$.Name}}{{end}}", &d),
            "/web/web"
        );
    }

    #[test]
    fn trim_markers_and_text() {
        let d = inspect();
        assert_eq!(render("a  {{- .State.Status -}}  b\n", &d), "arunningb\n");
        assert_eq!(render("{{/* note */}}x", &d), "x");
        assert_eq!(render("no actions", &d), "no actions");
        assert_eq!(render("{{\"}}\"}}", &d), "}}");
    }

    #[test]
    fn errors_name_what_was_wrong() {
        let d = inspect();
        let err = Template::parse("{{.State.Nope}}")
            .unwrap()
            .render(&d)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "template: :1:8: executing \"\" at <.State.Nope>: map has no entry for key \"Nope\""
        );
        let err = Template::parse("a {{.Name}}\n  {{ $.Config.Nope }}")
            .unwrap()
            .render(&d)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "template: :2:6: executing \"\" at <$.Config.Nope>: map has no entry for key \"Nope\""
        );
        let err = Template::parse("{{.Health.Status}}")
            .unwrap()
            .render(&d)
            .unwrap_err();
        assert!(err.to_string().contains("nil pointer evaluating"), "{err}");
        let err = Template::parse("{{nosuch .}}")
            .unwrap()
            .render(&d)
            .unwrap_err();
        assert!(
            err.to_string().contains("function \"nosuch\" not defined"),
            "{err}"
        );
        assert!(Template::parse("{{if .A}}x").is_err());
        assert!(Template::parse("{{end}}").is_err());
        assert!(Template::parse("{{.A").is_err());
        assert!(Template::parse("{{\"open}}").is_err());
        assert!(Template::parse("{{(.A}}").is_err());
        let err = Template::parse("{{.State.Status 1}}")
            .unwrap()
            .render(&d)
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("can't give argument to non-function"),
            "{err}"
        );
    }

    /// Arbitrary input never panics: every template parses or errors, and
    /// every parsed one renders or errors.
    #[test]
    fn arbitrary_templates_never_panic() {
        let alphabet: Vec<char> = "{}.$()|\"` -=:,aéx0\n".chars().collect();
        let d = inspect();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            let mut text = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 24) as usize;
            let mut x = seed;
            for _ in 0..len {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.push(alphabet[(x >> 33) as usize % alphabet.len()]);
            }
            if let Ok(t) = Template::parse(&text) {
                let _ = t.render(&d);
            }
        }
    }
}
