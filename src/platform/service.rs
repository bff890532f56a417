//! DialBox as a Windows service: `dialbox service install | uninstall | start | stop`, and
//! `service run`, the command line the Service Control Manager starts. The service keeps its
//! data in `%ProgramData%\DialBox` and its log in `dialbox.log` there (a service has no console).

use std::ffi::OsString;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use windows_service::service::{
    Service, ServiceAccess, ServiceControl, ServiceControlAccept, ServiceErrorControl,
    ServiceExitCode, ServiceInfo, ServiceStartType, ServiceState, ServiceStatus, ServiceType,
};
use windows_service::service_control_handler::{self, ServiceControlHandlerResult};
use windows_service::service_manager::{ServiceManager, ServiceManagerAccess};
use windows_service::{define_windows_service, service_dispatcher};

/// The service's name (`sc query DialBox`, `net stop DialBox`).
pub const NAME: &str = "DialBox";

/// What `stop` resolves: the server drains and returns.
pub type Shutdown = Pin<Box<dyn Future<Output = ()> + Send>>;
type Server = Box<dyn FnOnce(Shutdown) -> Result<(), String> + Send>;

/// The server `run` hands to the service's main function, which Windows calls on its own thread
/// with no way to pass it anything.
static SERVER: Mutex<Option<Server>> = Mutex::new(None);

/// The service's data folder: `%ProgramData%\DialBox`, shared by whoever administers the PC
/// (a per-user folder would be the service account's, out of everyone's sight).
pub fn data_dir() -> PathBuf {
    let base = std::env::var_os("ProgramData").unwrap_or_else(|| r"C:\ProgramData".into());
    PathBuf::from(base).join("DialBox")
}

fn manager(access: ServiceManagerAccess) -> Result<ServiceManager, String> {
    ServiceManager::local_computer(None::<&str>, access).map_err(|e| {
        format!(
            "cannot reach the Windows service manager ({}): run this as administrator",
            why(&e)
        )
    })
}

/// Registers the service to start with Windows, running `exe` on `data_dir` with `serve_args`.
pub fn install(exe: &Path, data_dir: &Path, serve_args: &[OsString]) -> Result<(), String> {
    let manager = manager(ServiceManagerAccess::CONNECT | ServiceManagerAccess::CREATE_SERVICE)?;
    let mut launch_arguments: Vec<OsString> = vec![
        "--data-dir".into(),
        data_dir.into(),
        "service".into(),
        "run".into(),
    ];
    launch_arguments.extend(serve_args.iter().cloned());
    let info = ServiceInfo {
        name: NAME.into(),
        display_name: "DialBox 工作手机外呼".into(),
        service_type: ServiceType::OWN_PROCESS,
        start_type: ServiceStartType::AutoStart,
        error_control: ServiceErrorControl::Normal,
        executable_path: exe.to_path_buf(),
        launch_arguments,
        dependencies: vec![],
        account_name: None, // LocalSystem
        account_password: None,
    };
    let service = manager
        .create_service(&info, ServiceAccess::CHANGE_CONFIG)
        .map_err(|e| format!("cannot create the service {NAME}: {}", why(&e)))?;
    // a description is a nicety: its failure fails nothing
    let _ = service.set_description("Click-to-dial server for the office's work phones");
    Ok(())
}

/// The installed service, opened for `access`.
fn open(access: ServiceAccess) -> Result<Service, String> {
    manager(ServiceManagerAccess::CONNECT)?
        .open_service(NAME, access)
        .map_err(|e| {
            format!(
                "cannot open the service {NAME} (is it installed?): {}",
                why(&e)
            )
        })
}

fn state(service: &Service) -> Result<ServiceState, String> {
    service
        .query_status()
        .map(|status| status.current_state)
        .map_err(|e| format!("cannot ask the service {NAME} its state: {}", why(&e)))
}

/// Stops the service if it runs and removes it; the data folder stays.
pub fn uninstall() -> Result<(), String> {
    let service = open(ServiceAccess::QUERY_STATUS | ServiceAccess::STOP | ServiceAccess::DELETE)?;
    stop_and_wait(&service)?;
    service
        .delete()
        .map_err(|e| format!("cannot remove the service {NAME}: {}", why(&e)))
}

/// Starts the service (already running is fine) and waits until it runs.
pub fn start() -> Result<(), String> {
    let service = open(ServiceAccess::START | ServiceAccess::QUERY_STATUS)?;
    if state(&service)? == ServiceState::Running {
        return Ok(());
    }
    service
        .start::<&str>(&[])
        .map_err(|e| format!("cannot start the service {NAME}: {}", why(&e)))?;
    wait_for(&service, ServiceState::Running)
}

pub fn stop() -> Result<(), String> {
    stop_and_wait(&open(ServiceAccess::STOP | ServiceAccess::QUERY_STATUS)?)
}

fn stop_and_wait(service: &Service) -> Result<(), String> {
    if state(service)? == ServiceState::Stopped {
        return Ok(());
    }
    service
        .stop()
        .map_err(|e| format!("cannot stop the service {NAME}: {}", why(&e)))?;
    wait_for(service, ServiceState::Stopped)
}

/// Waits (up to 30 s: the server drains requests first) for the service to reach `want`.
fn wait_for(service: &Service, want: ServiceState) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = state(service)?;
        if now == want {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the service {NAME} is {now:?} after 30 s, not {want:?}: see dialbox.log in its data folder"
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `service run`: hands `server` to the service manager's dispatcher, which calls back on its
/// own thread; returns when the service has stopped. Run from a console, the dispatcher fails
/// at once: say what to do instead.
pub fn run(
    server: impl FnOnce(Shutdown) -> Result<(), String> + Send + 'static,
) -> Result<(), String> {
    *SERVER.lock().unwrap_or_else(|e| e.into_inner()) = Some(Box::new(server));
    service_dispatcher::start(NAME, ffi_service_main).map_err(|e| {
        format!(
            "`service run` is started by Windows for the installed service ({}); to run DialBox in this window, run `dialbox` alone",
            why(&e)
        )
    })
}

/// The crate's error with the system's own reason (its Display says only "IO error in winapi
/// call").
fn why(e: &windows_service::Error) -> String {
    match std::error::Error::source(e) {
        Some(source) => format!("{e}: {source}"),
        None => e.to_string(),
    }
}

define_windows_service!(ffi_service_main, service_main);

fn service_main(_arguments: Vec<OsString>) {
    if let Err(e) = serve_as_service() {
        tracing::error!(error = %e, "the service stopped on an error");
    }
}

fn serve_as_service() -> Result<(), String> {
    let server = SERVER
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .ok_or("the service started twice")?;
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let handler = move |control| match control {
        ServiceControl::Stop | ServiceControl::Shutdown | ServiceControl::Preshutdown => {
            let _ = stop_tx.send(true);
            ServiceControlHandlerResult::NoError
        }
        ServiceControl::Interrogate => ServiceControlHandlerResult::NoError,
        _ => ServiceControlHandlerResult::NotImplemented,
    };
    let status = service_control_handler::register(NAME, handler)
        .map_err(|e| format!("cannot register with the service manager: {}", why(&e)))?;
    let report = |state: ServiceState, code: u32| {
        let accepted = if state == ServiceState::Running {
            ServiceControlAccept::STOP | ServiceControlAccept::SHUTDOWN
        } else {
            ServiceControlAccept::empty()
        };
        let _ = status.set_service_status(ServiceStatus {
            service_type: ServiceType::OWN_PROCESS,
            current_state: state,
            controls_accepted: accepted,
            exit_code: ServiceExitCode::Win32(code),
            checkpoint: 0,
            wait_hint: Duration::from_secs(30),
            process_id: None,
        });
    };
    report(ServiceState::Running, 0);
    let shutdown: Shutdown = Box::pin(async move {
        let _ = stop_rx.wait_for(|stop| *stop).await;
        tracing::info!("the service manager asked the server to stop");
    });
    let outcome = server(shutdown);
    // ERROR_SERVICE_SPECIFIC_ERROR-style code 1: Windows shows the service as failed
    report(ServiceState::Stopped, u32::from(outcome.is_err()));
    outcome
}
