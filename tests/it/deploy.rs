//! The deployment files, followed for real: the Dockerfile's HEALTHCHECK command line against a
//! running bot, and deploy/install.sh in a scratch root with scratch system users.

use crate::support::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// What the runtime stage of the Dockerfile says about the health check.
struct Image {
    /// `HEALTHCHECK` options such as `--timeout=5s`.
    options: Vec<String>,
    /// The `CMD` of `HEALTHCHECK`, exec form.
    healthcheck: Vec<String>,
    /// Where `COPY --from=build` puts the binary.
    binary: String,
    volume: String,
    workdir: String,
    env: Vec<(String, String)>,
}

fn image() -> Image {
    let dockerfile = std::fs::read_to_string(repo().join("Dockerfile")).unwrap();
    let runtime = dockerfile.rsplit_once("\nFROM ").expect("a runtime stage").1;
    let mut image = Image {
        options: vec![],
        healthcheck: vec![],
        binary: String::new(),
        volume: String::new(),
        workdir: "/".into(),
        env: vec![],
    };
    for line in runtime.lines().filter(|l| !l.trim_start().starts_with('#')) {
        let Some((word, rest)) = line.split_once(' ') else { continue };
        match word {
            "COPY" if rest.starts_with("--from=build ") => {
                let parts: Vec<&str> = rest.split_whitespace().collect();
                if parts[1].ends_with("/refund-bot") {
                    image.binary = parts[2].to_string();
                }
            }
            "VOLUME" => {
                let volumes: Vec<String> = serde_json::from_str(rest).expect("VOLUME in exec form");
                image.volume = volumes[0].clone();
            }
            "WORKDIR" => image.workdir = rest.trim().to_string(),
            "ENV" => {
                for pair in rest.split_whitespace() {
                    let (key, value) = pair.split_once('=').expect("ENV KEY=value");
                    image.env.push((key.to_string(), value.to_string()));
                }
            }
            "HEALTHCHECK" => {
                let (options, command) = rest.split_once("CMD ").expect("HEALTHCHECK ... CMD");
                image.options = options.split_whitespace().map(str::to_string).collect();
                image.healthcheck = serde_json::from_str(command.trim())
                    .unwrap_or_else(|e| panic!("HEALTHCHECK CMD is not in exec form (a JSON array): {command} ({e})"));
            }
            _ => {}
        }
    }
    assert!(!image.binary.is_empty(), "the Dockerfile copies the binary");
    assert!(!image.healthcheck.is_empty(), "the Dockerfile has a HEALTHCHECK");
    image
}

impl Image {
    /// Runs the HEALTHCHECK command as Docker would (the image's environment and working
    /// folder, nothing else), with the built binary for the installed one and `data` for the
    /// volume.
    fn healthcheck(&self, data: &Path) -> Output {
        let data = data.to_str().unwrap();
        let in_data = |value: &str| match value.strip_prefix(&self.volume) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("{data}{rest}"),
            _ => value.to_string(),
        };
        let argv: Vec<String> =
            self.healthcheck.iter().map(|a| if *a == self.binary { BIN.to_string() } else { in_data(a) }).collect();
        Command::new(&argv[0])
            .args(&argv[1..])
            .env_clear()
            .env("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
            .envs(self.env.iter().map(|(k, v)| (k.clone(), in_data(v))))
            .current_dir(in_data(&self.workdir))
            .output()
            .expect("run the HEALTHCHECK command")
    }
}

fn set_listen(fixture: &Fixture, listen: &str) {
    let config = std::fs::read_to_string(fixture.config()).unwrap();
    let config = config.split("\n[http]").next().unwrap().to_string();
    std::fs::write(fixture.config(), format!("{config}\n[http]\nlisten = \"{listen}\"\n")).unwrap();
}

#[test]
fn the_dockerfile_healthcheck_says_healthy_only_when_the_bot_answers_200() {
    let image = image();
    let shells = ["/bin/sh", "sh", "/bin/bash", "bash", "/bin/dash"];
    assert!(!shells.contains(&image.healthcheck[0].as_str()), "no shell in the image's health check");
    assert_eq!(image.healthcheck[0], image.binary, "the health check runs refund-bot itself");
    let timeout = image.options.iter().find_map(|o| o.strip_prefix("--timeout=")).expect("a --timeout");
    let timeout: u64 = timeout.strip_suffix('s').and_then(|s| s.parse().ok()).expect("--timeout in seconds");
    assert!(timeout > 4, "Docker waits longer than `refund-bot health` (4 s), so its reason is kept");
    assert_eq!(image.volume, image.workdir, "the config lives in the working folder, on the volume");

    // The bot serving /healthz: healthy. The config is found through the image's ENV.
    let fixture = Fixture::new();
    let port = free_port();
    set_listen(&fixture, &format!("127.0.0.1:{port}"));
    let mut bot = fixture.start();
    bot.say("cust-1", "hello"); // after the first line's `done`, the HTTP server listens
    let out = image.healthcheck(fixture.path());
    assert_eq!(out.status.code(), Some(0), "stdout: {} stderr: {}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("200 OK"), "{}", text(&out.stdout));

    // The bot gone, nothing listens on the port: unhealthy, and why.
    bot.stop();
    let out = image.healthcheck(fixture.path());
    assert_eq!(out.status.code(), Some(1), "stdout: {}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("GET http://127.0.0.1:{port}/healthz")), "{stderr}");
    assert!(stderr.contains("Connection refused"), "{stderr}");

    // `[http] listen` on every address is checked on loopback; a 503 is unhealthy, with the reasons.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    set_listen(&fixture, &format!("0.0.0.0:{port}"));
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0u8; 1024];
        let n = stream.read(&mut request).unwrap();
        stream.write_all(b"HTTP/1.0 503 Service Unavailable\r\n\r\ndatabase: gone\ndiscord: disconnected\n").unwrap();
        text(&request[..n])
    });
    let out = image.healthcheck(fixture.path());
    assert_eq!(out.status.code(), Some(1), "stdout: {}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("503 Service Unavailable: database: gone; discord: disconnected"), "{stderr}");
    assert!(server.join().unwrap().starts_with("GET /healthz "));
}

/// A system user made for one test, removed afterwards.
struct ScratchUser(String);

impl ScratchUser {
    fn create(role: &str) -> ScratchUser {
        let name = format!("rb-{role}-{}", std::process::id());
        let status = Command::new("useradd")
            .args(["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", &name])
            .status()
            .expect("run useradd");
        assert!(status.success(), "useradd {name}");
        ScratchUser(name)
    }

    fn id(&self, flag: &str) -> u32 {
        let out = Command::new("id").args([flag, &self.0]).output().unwrap();
        text(&out.stdout).trim().parse().unwrap()
    }

    /// `runuser -u USER -- command...`
    fn run(&self, command: &[&str]) -> Output {
        Command::new("runuser").args(["-u", &self.0, "--"]).args(command).output().expect("run runuser")
    }
}

impl Drop for ScratchUser {
    fn drop(&mut self) {
        let _ = Command::new("userdel").arg(&self.0).status();
        let _ = Command::new("groupdel").arg(&self.0).stderr(Stdio::null()).status();
    }
}

/// Why the install test cannot run here, if it cannot.
fn cannot_install() -> Option<String> {
    let uid = Command::new("id").arg("-u").output().map(|o| text(&o.stdout).trim().to_string()).unwrap_or_default();
    if uid != "0" {
        return Some("not running as root (CI runs this as root)".into());
    }
    for tool in ["useradd", "userdel", "runuser", "install", "find"] {
        let found = Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().unwrap();
        if !found.status.success() {
            return Some(format!("`{tool}` is not installed"));
        }
    }
    None
}

/// A file's mode bits (octal), owner and group.
fn owner_mode(path: &Path) -> (String, u32, u32) {
    let meta = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (format!("{:o}", meta.mode() & 0o7777), meta.uid(), meta.gid())
}

fn install(root: &Path, cwd: &Path, service: &ScratchUser, files: &[&str]) {
    let out = Command::new(repo().join("deploy/install.sh"))
        .args(files)
        .env("ROOT", root)
        .env("SERVICE_USER", &service.0)
        .env("BIN", BIN)
        .current_dir(cwd)
        .output()
        .expect("run deploy/install.sh");
    assert!(out.status.success(), "install.sh failed: {}{}", text(&out.stdout), text(&out.stderr));
}

/// The `Environment=`, `ExecStart=` and `User=` of the unit.
fn unit() -> (Vec<(String, String)>, Vec<String>, String) {
    let unit = std::fs::read_to_string(repo().join("deploy/refund-bot.service")).unwrap();
    let (mut env, mut exec, mut user) = (vec![], vec![], String::new());
    for line in unit.lines() {
        if let Some(pair) = line.strip_prefix("Environment=") {
            let (key, value) = pair.split_once('=').unwrap();
            env.push((key.to_string(), value.to_string()));
        } else if let Some(command) = line.strip_prefix("ExecStart=") {
            exec = command.split_whitespace().map(str::to_string).collect();
        } else if let Some(name) = line.strip_prefix("User=") {
            user = name.to_string();
        }
    }
    (env, exec, user)
}

/// `refund-bot jsonl` started as the service user, as the unit starts `run`; stopped on drop.
struct Service(std::process::Child);

impl Drop for Service {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

#[test]
fn the_install_script_lets_the_service_user_and_no_one_else_read_the_config() {
    if let Some(why) = cannot_install() {
        eprintln!("skipping the deploy/install.sh test: {why}");
        return;
    }
    // The documented command is the one run here.
    let documented = "deploy/install.sh refund-bot.toml policy.toml";
    for doc in ["README.md", "deploy/refund-bot.service", "deploy/install.sh"] {
        let content = std::fs::read_to_string(repo().join(doc)).unwrap();
        assert!(content.contains(documented), "{doc} shows `{documented}`");
    }
    let (unit_env, exec_start, unit_user) = unit();
    assert_eq!(unit_user, "refund", "the unit runs as the user install.sh creates by default");

    let service = ScratchUser::create("svc");
    let other = ScratchUser::create("other");
    // The scratch root stands in for /; everyone may walk into it, as into /.
    let root = tempfile::Builder::new().prefix("rb-root-").tempdir_in("/tmp").unwrap();
    let root_path = root.path().to_path_buf();
    std::fs::set_permissions(&root_path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let in_root = |path: &str| format!("{}{path}", root_path.display());
    let source = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = format!("policy = \"policy.toml\"\n\n[http]\nlisten = \"127.0.0.1:{port}\"\n");
    std::fs::write(source.path().join("refund-bot.toml"), &config).unwrap();
    std::fs::write(source.path().join("policy.toml"), POLICY).unwrap();

    install(&root_path, source.path(), &service, &["refund-bot.toml", "policy.toml"]);

    let etc = PathBuf::from(in_root("/etc/refund-bot"));
    let gid = service.id("-g");
    assert_eq!(owner_mode(&etc), ("750".into(), 0, gid), "/etc/refund-bot is root:<service group> 0750");
    for file in ["refund-bot.toml", "policy.toml"] {
        assert_eq!(owner_mode(&etc.join(file)), ("640".into(), 0, gid), "{file} is root:<service group> 0640");
    }
    assert_eq!(owner_mode(&etc.join("secrets.env")), ("600".into(), 0, 0), "secrets.env is root:root 0600");
    assert_eq!(owner_mode(Path::new(&in_root("/usr/local/bin/refund-bot"))).0, "755");
    assert_eq!(owner_mode(Path::new(&in_root("/etc/systemd/system/refund-bot.service"))).0, "644");

    let config_file = etc.join("refund-bot.toml");
    let config_file = config_file.to_str().unwrap();
    let readable = |user: &ScratchUser, file: &str| {
        let out = user.run(&["cat", file]);
        (out.status.success(), text(&out.stdout), text(&out.stderr))
    };
    let (ok, content, stderr) = readable(&service, config_file);
    assert!(ok, "the service user reads its config: {stderr}");
    assert_eq!(content, config);
    assert!(readable(&service, etc.join("policy.toml").to_str().unwrap()).0, "and its policy");
    assert!(!service.run(&["test", "-w", config_file]).status.success(), "but cannot change it");
    assert!(!readable(&service, etc.join("secrets.env").to_str().unwrap()).0, "nor read the secrets");
    let (ok, _, stderr) = readable(&other, config_file);
    assert!(!ok && stderr.contains("Permission denied"), "another user cannot read the config: {stderr}");
    assert!(!other.run(&["ls", etc.to_str().unwrap()]).status.success(), "nor list the folder");

    // The service as the unit starts it (Environment=, User=, its state folder), with `jsonl` for
    // `run` (which needs Discord); `refund-bot health` as the service user says it is healthy.
    let state = in_root("/var/lib/refund-bot");
    std::fs::create_dir_all(&state).unwrap();
    let chown = Command::new("chown").args([&format!("{}:", service.0), &state]).status().unwrap();
    assert!(chown.success());
    let rewrite = |value: &str| {
        value.replace("/etc/refund-bot", &in_root("/etc/refund-bot")).replace("/var/lib/refund-bot", &state)
    };
    let binary = in_root(&exec_start[0]);
    let mut command = Command::new("runuser");
    command
        .args(["-u", &service.0, "--", &binary, "jsonl"])
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .current_dir(&state)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (key, value) in &unit_env {
        command.env(key, rewrite(value));
    }
    let mut bot = Service(command.spawn().expect("start the service"));
    writeln!(bot.0.stdin.as_mut().unwrap(), r#"{{"kind":"message","user":"cust-1","text":"hello"}}"#).unwrap();
    let mut stdout = BufReader::new(bot.0.stdout.take().unwrap());
    loop {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "the service exited before answering");
        if line.contains(r#""kind":"done""#) {
            break;
        }
    }
    let health = |user: &ScratchUser| user.run(&[&binary, "--config", config_file, "health"]);
    let out = health(&service);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    let out = health(&other);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Permission denied"), "{}", text(&out.stderr));
    drop(bot);

    // An install made by the old steps (root-only folder): the service cannot read its config;
    // running the script again, with no files, fixes the permissions and keeps the files.
    assert!(Command::new("chown").args(["-R", "root:root", etc.to_str().unwrap()]).status().unwrap().success());
    assert!(Command::new("chmod").args(["0644", config_file]).status().unwrap().success());
    let (ok, _, stderr) = readable(&service, config_file);
    assert!(!ok && stderr.contains("Permission denied"), "the reported failure: {stderr}");
    std::fs::write(etc.join("secrets.env"), "DISCORD_TOKEN=kept\n").unwrap();
    install(&root_path, source.path(), &service, &[]);
    let (ok, content, stderr) = readable(&service, config_file);
    assert!(ok, "fixed by running the script again: {stderr}");
    assert_eq!(content, config);
    assert_eq!(owner_mode(&etc), ("750".into(), 0, gid));
    assert_eq!(owner_mode(Path::new(config_file)), ("640".into(), 0, gid));
    assert_eq!(owner_mode(&etc.join("secrets.env")), ("600".into(), 0, 0));
    assert_eq!(std::fs::read_to_string(etc.join("secrets.env")).unwrap(), "DISCORD_TOKEN=kept\n");
}
