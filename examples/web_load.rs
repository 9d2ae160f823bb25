//! The load generator of `bench/web` (not a test): GET requests at a fixed rate over kept-alive
//! HTTP/1.1 connections on loopback, each request's latency counted from the moment it was
//! due, not from when a busy connection got round to it (so a stall shows in the tail instead
//! of lowering the rate: no coordinated omission). Standard library only.
//!
//!     web_load ADDR PATHS_FILE RATE SECONDS [CONNECTIONS]
//!
//! Requests go round-robin over the paths in PATHS_FILE (one a line). Prints one line of
//! `key=value`: requests, ok (status 200), failed, rate (answered per second), p50, p90, p99
//! and max in milliseconds.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("web_load: {e}");
            eprintln!("usage: web_load ADDR PATHS_FILE RATE SECONDS [CONNECTIONS]");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let arg = |i: usize| args.get(i).ok_or(format!("argument {} missing", i + 1));
    let addr: SocketAddr = arg(0)?.parse().map_err(|e| format!("ADDR: {e}"))?;
    let paths: Vec<String> = std::fs::read_to_string(arg(1)?)
        .map_err(|e| format!("PATHS_FILE: {e}"))?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    if paths.is_empty() {
        return Err("PATHS_FILE has no paths".into());
    }
    let rate: f64 = arg(2)?.parse().map_err(|e| format!("RATE: {e}"))?;
    let seconds: f64 = arg(3)?.parse().map_err(|e| format!("SECONDS: {e}"))?;
    let connections: usize = match args.get(4) {
        Some(c) => c.parse().map_err(|e| format!("CONNECTIONS: {e}"))?,
        None => 16,
    };
    if !(rate > 0.0 && seconds > 0.0 && (1..=1000).contains(&connections)) {
        return Err("RATE and SECONDS must be positive, CONNECTIONS 1 to 1000".into());
    }
    let total = (rate * seconds).round() as usize;
    let paths = Arc::new(paths);
    let start = Instant::now() + Duration::from_millis(100);
    let workers: Vec<_> = (0..connections)
        .map(|w| {
            let paths = paths.clone();
            std::thread::spawn(move || worker(addr, &paths, w, connections, total, rate, start))
        })
        .collect();
    let mut latencies = Vec::with_capacity(total);
    let mut failed = 0usize;
    for w in workers {
        let (lat, fail) = w.join().map_err(|_| "a worker panicked".to_string())?;
        latencies.extend(lat);
        failed += fail;
    }
    let took = start.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i].as_secs_f64() * 1000.0
    };
    println!(
        "requests={total} ok={} failed={failed} rate={:.1} p50={:.2} p90={:.2} p99={:.2} max={:.2}",
        latencies.len(),
        latencies.len() as f64 / took,
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0),
    );
    Ok(())
}

/// Requests `w`, `w + n`, `w + 2n`, … each at its due time; latencies of the 200s and the
/// number of failures.
fn worker(
    addr: SocketAddr,
    paths: &[String],
    w: usize,
    n: usize,
    total: usize,
    rate: f64,
    start: Instant,
) -> (Vec<Duration>, usize) {
    let mut latencies = Vec::with_capacity(total / n + 1);
    let mut failed = 0;
    let mut conn: Option<BufReader<TcpStream>> = None;
    for i in (w..total).step_by(n) {
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let path = &paths[i % paths.len()];
        let answered = (|| -> std::io::Result<u16> {
            if conn.is_none() {
                let s = TcpStream::connect(addr)?;
                s.set_nodelay(true)?;
                s.set_read_timeout(Some(Duration::from_secs(10)))?;
                conn = Some(BufReader::new(s));
            }
            let c = conn.as_mut().ok_or(std::io::ErrorKind::NotConnected)?;
            get(c, addr, path)
        })();
        match answered {
            Ok(200) => latencies.push(due.elapsed()),
            Ok(_) => failed += 1,
            Err(_) => {
                failed += 1;
                conn = None;
            }
        }
    }
    (latencies, failed)
}

/// One GET on a kept-alive connection; the answer's status, its body read and dropped.
fn get(c: &mut BufReader<TcpStream>, addr: SocketAddr, path: &str) -> std::io::Result<u16> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: web_load\r\n\r\n");
    c.get_mut().write_all(request.as_bytes())?;
    let mut line = String::new();
    c.read_line(&mut line)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or(std::io::ErrorKind::InvalidData)?;
    let mut length = 0usize;
    loop {
        line.clear();
        if c.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value
                .trim()
                .parse()
                .map_err(|_| std::io::ErrorKind::InvalidData)?;
        }
    }
    std::io::copy(&mut c.by_ref().take(length as u64), &mut std::io::sink())?;
    Ok(status)
}
