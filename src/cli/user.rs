//! `dialbox user …`: the same user operations as the admin page (`crate::users`), so the command
//! line obeys the page's rules (the last active admin stays).

use tokio::sync::Semaphore;

use super::UserCommand;
use crate::audit::Actor;
use crate::config::Config;
use crate::db::Db;
use crate::error::ApiError;
use crate::users::{self, Change, NewUser};

/// Runs one user command on the data folder of `config`.
pub fn run(config: &Config, command: UserCommand) -> Result<(), String> {
    let pool = crate::app::open_database(config).map_err(|e| e.to_string())?;
    let db = Db::new(pool);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start: {e}"))?;
    runtime
        .block_on(execute(&db, command))
        .map_err(|e| e.message.to_string())
}

async fn execute(db: &Db, command: UserCommand) -> Result<(), ApiError> {
    let hashing = Semaphore::new(1);
    match command {
        UserCommand::Add {
            username,
            password,
            real_name,
            department,
            role,
        } => {
            let new = NewUser {
                username,
                password,
                real_name,
                department,
                role,
            };
            let user = users::create(
                db,
                crate::times::now_ms(),
                &hashing,
                &Actor::command_line(),
                new,
            )
            .await?;
            println!(
                "created {} ({}, {})",
                user.username,
                user.id,
                user.role.as_str()
            );
        }
        UserCommand::List => {
            println!(
                "{:<20} {:<24} {:<12} {:<12} {:<12} status",
                "id", "username", "real name", "department", "role"
            );
            for u in users::list(db).await? {
                let status = if u.disabled { "disabled" } else { "active" };
                println!(
                    "{:<20} {:<24} {:<12} {:<12} {:<12} {status}",
                    u.id,
                    u.username,
                    u.real_name,
                    u.department,
                    u.role.as_str()
                );
            }
        }
        UserCommand::Passwd { username, password } => {
            let user = users::by_username(db, &username).await?;
            users::set_password(
                db,
                crate::times::now_ms(),
                &hashing,
                &Actor::command_line(),
                &user.id,
                password,
            )
            .await?;
            println!("password changed for {username}; their old tokens no longer work");
        }
        UserCommand::Disable { username } => {
            set_disabled(db, &username, true).await?;
            println!("disabled {username}; their tokens no longer work");
        }
        UserCommand::Enable { username } => {
            set_disabled(db, &username, false).await?;
            println!("enabled {username}; they can log in again");
        }
    }
    Ok(())
}

async fn set_disabled(db: &Db, username: &str, disabled: bool) -> Result<(), ApiError> {
    let user = users::by_username(db, username).await?;
    let change = Change {
        disabled: Some(disabled),
        ..Change::default()
    };
    users::update(
        db,
        crate::times::now_ms(),
        &Actor::command_line(),
        &user.id,
        change,
    )
    .await?;
    Ok(())
}
