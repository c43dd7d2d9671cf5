//! `berth grade [--lab ID] [--format table|json|junit|csv] [--plain]`:
//! the participant's recorded progress as a report.

use berth_grader::report::{self, Format};
use berth_labs::progress::Store;

pub fn run(args: &[String]) -> i32 {
    let mut lab_id = None;
    let mut format = Format::Table;
    let mut plain = std::env::var_os("NO_COLOR").is_some();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--lab" | "--format" if i + 1 >= args.len() => {
                eprintln!("berth grade: {} needs a value", args[i]);
                return 2;
            }
            "--lab" => {
                lab_id = Some(args[i + 1].clone());
                i += 1;
            }
            "--format" => match args[i + 1].parse() {
                Ok(f) => {
                    format = f;
                    i += 1;
                }
                Err(e) => {
                    eprintln!("berth grade: {e}");
                    return 2;
                }
            },
            "--plain" => plain = true,
            other => {
                eprintln!(
                    "berth grade: unknown argument {other:?}\nUsage: berth grade [--lab ID] [--format table|json|junit|csv] [--plain]"
                );
                return 2;
            }
        }
        i += 1;
    }
    let store = match Store::open_default() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("berth grade: {e}");
            return 1;
        }
    };
    let progress = match store.load() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("berth grade: {e}");
            return 1;
        }
    };
    let labs = match berth_labs::catalog() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("berth grade: {e}");
            return 1;
        }
    };
    let chosen: Vec<_> = match &lab_id {
        Some(id) => match labs.iter().find(|(_, l)| &l.id == id) {
            Some((_, l)) => vec![l.clone()],
            None => {
                let known: Vec<&str> = labs.iter().map(|(_, l)| l.id.as_str()).collect();
                eprintln!("berth grade: no lab {id:?} (labs: {})", known.join(", "));
                return 1;
            }
        },
        // without --lab: every lab the participant has started
        None => labs
            .iter()
            .filter(|(_, l)| progress.labs.contains_key(&l.id))
            .map(|(_, l)| l.clone())
            .collect(),
    };
    let now = chrono::Utc::now();
    let reports: Vec<_> = chosen
        .iter()
        .map(|l| report::build(l, progress.labs.get(&l.id), now))
        .collect();
    print!("{}", report::render(&reports, format, plain));
    0
}
