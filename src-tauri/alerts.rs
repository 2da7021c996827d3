//! Expiry alerts on the desktop: soon after launch and then every minute the app claims the
//! alerts due to the signed-in person — from this computer's authority or a team server, through
//! the same `Authority` — and shows each as an OS notification (clicking one opens the token),
//! and keeps the tray's count of tokens expiring soon. Core decides what is due and that each
//! is announced once per threshold; this only shows it.

use crate::state::AppState;
use std::time::Duration;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager, Wry};
use tauri_plugin_notification::NotificationExt;
use tokendesk_core::clock::{DAY, HOUR};
use tokendesk_core::model::{ExpiryAlert, ExpiryAlerts};

const TRAY: &str = "main";
/// The window is up (and the UI listening) by then; the person hears at once, not a minute on.
const FIRST_CHECK: Duration = Duration::from_secs(2);
const EVERY: Duration = Duration::from_secs(60);

/// The tray's menu item that carries the count.
struct SoonItem(MenuItem<Wry>);

/// Registers the click handler (before any notification, or clicks are not reported), builds
/// the tray, and starts the checks.
pub fn start(app: &tauri::App) {
    let handle = app.handle().clone();
    let listening = app.notification().on_action(move |performed| {
        if performed.action_id() != "tap" {
            return;
        }
        let token = performed
            .notification()
            .and_then(|n| n.extra().get("tokenId"))
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        show_window(&handle);
        let _ = match token {
            Some(id) => handle.emit_to("main", "open-token", id),
            None => handle.emit_to("main", "show-expiring", ()),
        };
    });
    if let Err(e) = listening {
        log::warn!("clicks on expiry alerts will not open the app: {e}");
    }
    // Without a tray library or host (a server, a bare window manager) the app works without.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| build_tray(app))) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => log::warn!("no tray icon: {e}"),
        Err(_) => log::warn!("no tray icon: the tray library is missing"),
    }
    let handle = app.handle().clone();
    let spawned = std::thread::Builder::new()
        .name("expiry-alerts".into())
        .spawn(move || {
            std::thread::sleep(FIRST_CHECK);
            loop {
                check(&handle);
                std::thread::sleep(EVERY);
            }
        });
    if let Err(e) = spawned {
        log::warn!("expiry alerts are off: {e}");
    }
}

fn build_tray(app: &tauri::App) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open Tokendesk", true, None::<&str>)?;
    let soon = MenuItem::with_id(app, "expiring", "Expiring soon", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Tokendesk", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[&open, &soon, &PredefinedMenuItem::separator(app)?, &quit],
    )?;
    let mut tray = TrayIconBuilder::with_id(TRAY)
        .tooltip("Tokendesk")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => show_window(app),
            "expiring" => {
                show_window(app);
                let _ = app.emit_to("main", "show-expiring", ());
            }
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    app.manage(SoonItem(soon));
    Ok(())
}

fn show_window(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

/// One claim: the notifications, then the tray's count. A failure (no session yet, a server
/// out of reach) waits for the next round; the window reports those itself.
fn check(app: &AppHandle) {
    let state = app.state::<AppState>();
    let Ok(authority) = state.authority() else {
        return;
    };
    match authority.claim_expiry_alerts() {
        Ok(claimed) => {
            notify(app, &claimed);
            show_count(app, &claimed);
        }
        Err(e) => {
            state.session_refused(&authority, &e);
            log::debug!("expiry alerts: {}", e.message);
        }
    }
}

fn notify(app: &AppHandle, claimed: &ExpiryAlerts) {
    for alert in &claimed.alerts {
        let (title, body) = wording(alert, claimed.now);
        let shown = app
            .notification()
            .builder()
            .title(title)
            .body(body)
            .extra("tokenId", &alert.token.id)
            .show();
        if let Err(e) = shown {
            log::warn!("cannot show an expiry alert: {e}");
        }
    }
    if claimed.more > 0 {
        let shown = app
            .notification()
            .builder()
            .title(format!("{} more tokens expire soon", claimed.more))
            .body(format!(
                "Within {} days. Open Tokendesk to see them all.",
                claimed.settings.first_days
            ))
            .show();
        if let Err(e) = shown {
            log::warn!("cannot show an expiry alert: {e}");
        }
    }
}

/// The notification's title and body: which token, whose, and when, never any secret.
pub fn wording(alert: &ExpiryAlert, now: i64) -> (String, String) {
    let t = &alert.token;
    let left = t.expires_at.map(|at| at - now).unwrap_or(0).max(0);
    // Rounded as the window shows times ("in 24 hours" reads as "in 1 day").
    let when = if left < HOUR {
        "within the hour".to_string()
    } else if left < DAY - HOUR / 2 {
        let h = (left + HOUR / 2) / HOUR;
        format!("in {h} hour{}", if h == 1 { "" } else { "s" })
    } else {
        let d = ((left + DAY / 2) / DAY).max(1);
        format!("in {d} day{}", if d == 1 { "" } else { "s" })
    };
    (
        format!("“{}” expires {when}", t.name),
        // Servers that render the body's markup must show a name, not interpret it.
        format!(
            "{}'s token. Rotate it in Tokendesk before it stops working.",
            escape_markup(&t.owner_name)
        ),
    )
}

/// The Desktop Notifications body markup's special characters, as entities.
fn escape_markup(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn show_count(app: &AppHandle, claimed: &ExpiryAlerts) {
    let n = claimed.expiring_soon;
    let count = format!("{}{}", n.n, if n.more { "+" } else { "" });
    if let Some(item) = app.try_state::<SoonItem>() {
        let _ = item.0.set_text(if n.n == 0 {
            "Expiring soon".to_string()
        } else {
            format!("Expiring soon ({count})")
        });
    }
    if let Some(tray) = app.tray_by_id(TRAY) {
        // Next to the icon (Linux label, macOS title); nothing when nothing expires.
        let _ = tray.set_title((n.n > 0).then_some(count.as_str()));
        let _ = tray.set_tooltip(Some(format!(
            "Tokendesk: {count} token{} expiring within {} days",
            if n.n == 1 && !n.more { "" } else { "s" },
            claimed.settings.first_days
        )));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokendesk_core::model::{TokenKind, TokenMeta, TokenStatus};

    fn alert(expires_in: i64) -> ExpiryAlert {
        ExpiryAlert {
            days: 1,
            token: TokenMeta {
                id: "t1".into(),
                owner_id: "u1".into(),
                created_by: "u1".into(),
                kind: TokenKind::Personal,
                name: "deploy".into(),
                description: String::new(),
                created_at: 0,
                expires_at: Some(1_000 + expires_in),
                revoked_at: None,
                revoked_by: None,
                revoke_reason: None,
                last_used_at: None,
                use_count: 0,
                display_hint: "tkd_…abcd".into(),
                status: TokenStatus::Active,
                owner_name: "Mia".into(),
                created_by_name: "Mia".into(),
                scopes: None,
                tenant_ids: None,
                rotated_from: None,
                rotated_to: None,
            },
        }
    }

    #[test]
    fn the_wording_names_the_token_its_owner_and_when_rounded_as_the_window_does() {
        let title = |left| wording(&alert(left), 1_000).0;
        assert_eq!(title(10 * 60 * 1000), "“deploy” expires within the hour");
        assert_eq!(title(HOUR + 20 * 60 * 1000), "“deploy” expires in 1 hour");
        assert_eq!(
            title(5 * HOUR + 40 * 60 * 1000),
            "“deploy” expires in 6 hours"
        );
        assert_eq!(title(DAY - 60 * 1000), "“deploy” expires in 1 day");
        assert_eq!(title(6 * DAY + 13 * HOUR), "“deploy” expires in 7 days");
        let (_, body) = wording(&alert(DAY), 1_000);
        assert_eq!(
            body,
            "Mia's token. Rotate it in Tokendesk before it stops working."
        );
        assert!(!body.contains("tkd_"));
        let mut odd = alert(DAY);
        odd.token.owner_name = "<b>Ann</b> & co".into();
        assert_eq!(
            wording(&odd, 1_000).1,
            "&lt;b&gt;Ann&lt;/b&gt; &amp; co's token. Rotate it in Tokendesk before it stops working."
        );
    }
}
