//! Embeds the shipped reply translations (`replies/<locale>/`, every locale but the built-in
//! English one) and every locale's snippets (`replies/<locale>/snippets/`) so the bot answers
//! in them from any folder. Whatever files are there are embedded; `replies::check` and
//! `replies::snippets` decide at start whether they are complete.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("replies");
    // A directory here makes cargo rerun this script when anything under it changes.
    println!("cargo:rerun-if-changed={}", root.display());
    let mut locales: Vec<_> = std::fs::read_dir(&root)
        .expect("replies/ is readable")
        .map(|e| e.expect("replies/ entry").path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "en"))
        .collect();
    locales.sort();
    let mut out = String::from("/// (locale, [(file name, text)]) of every shipped translation.\n");
    out.push_str("pub(super) const SHIPPED: &[(&str, &[(&str, &str)])] = &[\n");
    for dir in &locales {
        let locale = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("locale folder is readable")
            .map(|e| e.expect("locale folder entry").path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        writeln!(out, "    ({locale:?}, &[").unwrap();
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            writeln!(out, "        ({name:?}, include_str!({:?})),", file.display().to_string()).unwrap();
        }
        out.push_str("    ]),\n");
    }
    out.push_str("];\n");
    let out_dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    std::fs::write(Path::new(&out_dir).join("shipped_replies.rs"), out).expect("writing shipped_replies.rs");
    std::fs::write(Path::new(&out_dir).join("shipped_snippets.rs"), snippets(&root))
        .expect("writing shipped_snippets.rs");
}

/// Every locale's canned replies (`replies/<locale>/snippets/<name>.hbs`), English included.
fn snippets(root: &Path) -> String {
    let mut locales: Vec<_> = std::fs::read_dir(root)
        .expect("replies/ is readable")
        .map(|e| e.expect("replies/ entry").path().join("snippets"))
        .filter(|p| p.is_dir())
        .collect();
    locales.sort();
    let mut out = String::from("/// (locale, [(snippet name, text)]) of every shipped snippet.\n");
    out.push_str("const SHIPPED_SNIPPETS: &[(&str, &[(&str, &str)])] = &[\n");
    for dir in &locales {
        let locale = dir.parent().and_then(Path::file_name).unwrap().to_string_lossy().into_owned();
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("snippets folder is readable")
            .map(|e| e.expect("snippets folder entry").path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "hbs"))
            .collect();
        files.sort();
        writeln!(out, "    ({locale:?}, &[").unwrap();
        for file in files {
            let name = file.file_stem().unwrap().to_string_lossy().into_owned();
            writeln!(out, "        ({name:?}, include_str!({:?})),", file.display().to_string()).unwrap();
        }
        out.push_str("    ]),\n");
    }
    out.push_str("];\n");
    out
}
