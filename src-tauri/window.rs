//! The window: its first size — as much of the token list as the screen at hand has room for,
//! so a first launch shows a useful page rather than seven rows (later launches keep the size
//! the person left, the window-state plugin) — and how WebKitGTK draws it (memory).

use tauri::{Manager, Runtime};

/// Enough for every column and about fifteen rows (thirty compact ones); more only scatters
/// the eye on a large screen. (tauri.conf.json's 1280×900 is the size when the screen is
/// unknown.)
const WIDTH: f64 = 1280.0;
const HEIGHT: f64 = 1000.0;

/// Sizes and centres the main window when no size was saved before.
pub fn fit_first_window<R: Runtime>(app: &tauri::App<R>) {
    let saved = app
        .path()
        .app_config_dir()
        .map(|d| d.join(tauri_plugin_window_state::DEFAULT_FILENAME).exists())
        .unwrap_or(true);
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    if saved {
        return;
    }
    let Ok(Some(monitor)) = window.current_monitor() else {
        return;
    };
    let area = monitor
        .work_area()
        .size
        .to_logical::<f64>(monitor.scale_factor());
    let size = tauri::LogicalSize::new(
        WIDTH.min(area.width * 0.92).max(760.0),
        HEIGHT.min(area.height * 0.9).max(480.0),
    );
    log::info!(
        "first window: {:.0}×{:.0} on a {:.0}×{:.0} work area",
        size.width,
        size.height,
        area.width,
        area.height
    );
    let _ = window.set_size(size);
    let _ = window.center();
}

/// Opt-out of the software default below: WebKit's own choice (GPU compositing).
pub const GPU_VARIABLE: &str = "TOKENDESK_GPU";

/// Lets WebKitGTK draw the window without GPU compositing, unless `TOKENDESK_GPU=1` asks for it
/// or the person already set WebKit's own variable. A list of tokens gains nothing from GPU
/// layers, and they cost most of the web process's memory: 100,000 tokens, paged, searched and
/// sorted, took 364 MiB PSS in the web process with compositing and 153 MiB without
/// (docs/benchmarks.md). Set in the environment because the web process reads it when it
/// starts; called first thing, before any thread exists. Programs the app starts inherit it
/// too (only WebKitGTK ones read it).
pub fn software_compositing() {
    #[cfg(target_os = "linux")]
    {
        const WEBKIT: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
        let gpu = std::env::var(GPU_VARIABLE).is_ok_and(|v| v == "1");
        if !gpu && std::env::var_os(WEBKIT).is_none() {
            std::env::set_var(WEBKIT, "1");
        }
    }
}
