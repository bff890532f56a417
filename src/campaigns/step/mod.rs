//! The power dialer's step for one session whose next dial is due (the driver calls it): one
//! transaction reads what the session needs, the functions of `decide` say what it does next
//! — dial a number, leave numbers out, wait, pause, finish — and `apply` writes that onto the
//! session row. The dial itself is `calls::dial`'s, as for a click, so every rule holds here.
//! The decisions are plain functions of what was read (`decisions.rs`), tested without a server.

use rusqlite::Connection;

use super::own_pacing;
use super::session::publish;
use crate::auth::Caller;
use crate::calls::dial::{self, DialRequest};
use crate::calls::refusal::Refusal;
use crate::calls::whose_phone::{self, Asked, ChosenPhone};
use crate::db;
use crate::db::calls::Call;
use crate::db::campaign_items::Item;
use crate::db::dialer_sessions::Session;
use crate::db::users::User;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::State;
use crate::states::dialer::{PauseReason, Queue};

mod decisions;
pub use decisions::{Next, Refused, apply, decide, pause};

/// What one step did.
enum Stepped {
    Nothing,
    Changed(Box<(User, Session)>),
    Dialed(Box<Dialed>),
}

/// A dial stored and about to be sent, with what undoes it if the phone is gone.
struct Dialed {
    user: User,
    session: Session,
    call: Call,
    item: i64,
    queue_before: Queue,
    call_before: Option<String>,
}

/// Most numbers one step leaves out (do-not-call, invalid) before it stops for this round.
const MAX_LEFT_OUT_PER_STEP: usize = 200;

/// The driver's step for one session whose next dial is due: dial the next number, or say
/// why not (the session waits, pauses or finishes).
pub async fn step(state: &State, user_id: String) -> ApiResult<()> {
    let hub = state.hub.clone();
    let office = state.settings.pacing();
    let tz = state.config.timezone;
    let clock = state.clock.clone();
    let stepped = state
        .db
        .write(move |tx| {
            let Some(mut s) = db::dialer_sessions::of_user(tx, &user_id)? else {
                return Ok(Stepped::Nothing);
            };
            let now = clock.now_ms();
            if !decide::is_due(&s, now) {
                return Ok(Stepped::Nothing);
            }
            let user = db::users::by_id(tx, &user_id)?;
            s.updated_at = now;
            let next = if super::session::call_is_live(tx, s.call_id.as_deref())? {
                Next::AwaitCall
            } else {
                let campaign = db::campaigns::by_id(tx, &s.campaign_id)?;
                let rules = office.stricter(&own_pacing(&campaign));
                let caller = Caller::of(user.clone(), None);
                let asked = Asked {
                    user_id: Some(&user.id),
                    phone_id: None,
                };
                // the phone is chosen once for every number this step tries
                match whose_phone::choose(tx, &hub, &caller, asked, None) {
                    Ok(phone) => {
                        let round = Round {
                            tx,
                            caller: &caller,
                            phone: &phone,
                            rules: &rules,
                            tz,
                            now,
                        };
                        match round.dial_next(&s)? {
                            Ok((call, item)) => {
                                dialing(&mut s, &phone, &item, &call);
                                db::dialer_sessions::save(tx, &s)?;
                                return Ok(Stepped::Dialed(Box::new(Dialed {
                                    user,
                                    session: s,
                                    call,
                                    item: item.id,
                                    queue_before: item.queue,
                                    call_before: item.last_call_id,
                                })));
                            }
                            Err(next) => next,
                        }
                    }
                    Err(Refusal::Failed(e)) => return Err(e),
                    Err(_) => Next::Pause(PauseReason::PhoneOffline),
                }
            };
            apply(&mut s, next, now);
            db::dialer_sessions::save(tx, &s)?;
            Ok::<_, ApiError>(Stepped::Changed(Box::new((user, s))))
        })
        .await?;
    match stepped {
        Stepped::Nothing => Ok(()),
        Stepped::Changed(changed) => {
            let (user, s) = *changed;
            publish(&state.hub, &user, Some(&s));
            Ok(())
        }
        Stepped::Dialed(d) => send(state, *d).await,
    }
}

/// One step's numbers, tried in turn on one phone inside the step's transaction.
struct Round<'a> {
    tx: &'a Connection,
    caller: &'a Caller,
    phone: &'a ChosenPhone,
    rules: &'a crate::calls::pacing::Pacing,
    tz: chrono_tz::Tz,
    now: i64,
}

impl Round<'_> {
    /// The next number dialed (its call stored, the item marked), or what the session does
    /// instead; numbers that cannot be called are left out on the way.
    fn dial_next(&self, s: &Session) -> ApiResult<Result<(Call, Item), Next>> {
        let (tx, now) = (self.tx, self.now);
        for _ in 0..MAX_LEFT_OUT_PER_STEP {
            let Some(id) = db::campaign_items::next_due(tx, &s.campaign_id, &s.user_id, now)?
            else {
                let later = db::campaign_items::next_later(tx, &s.campaign_id, &s.user_id, now)?;
                return Ok(Err(decide::nothing_due(later)));
            };
            let item = db::campaign_items::by_id(tx, id)?;
            let req = DialRequest {
                customer_id: item.customer_id.clone(),
                customer_phone: Some(item.phone.clone()),
                customer_name: Some(item.name.clone()).filter(|n| !n.is_empty()),
                user_id: Some(s.user_id.clone()),
                ..Default::default()
            };
            let refusal =
                match dial::prepare_on(tx, self.caller, &req, self.phone, self.rules, self.tz, now)
                {
                    Ok(call) => {
                        db::campaign_items::start_dial(tx, id, &call.id, now)?;
                        return Ok(Ok((call, item)));
                    }
                    Err(refusal) => refusal,
                };
            match decide::refused(&refusal, now) {
                Some(Refused::LeaveOut(outcome)) => {
                    db::campaign_items::set_queue(tx, id, Queue::Done, Some(outcome), 0, now)?;
                }
                Some(Refused::Session(next)) => return Ok(Err(next)),
                None => return Err(refusal.into()),
            }
        }
        Ok(Err(Next::GoOn))
    }
}

/// The session is on `call` of `item`, dialed on `phone`.
fn dialing(s: &mut Session, phone: &ChosenPhone, item: &Item, call: &Call) {
    s.phone_id = Some(phone.phone_id);
    s.item_id = Some(item.id);
    s.call_id = Some(call.id.clone());
    s.call_ended_at = None;
    s.next_at = None;
    s.wait_reason = None;
}

/// Sends the stored dial; a phone that left between the choice and the send puts the number
/// back and pauses the session.
async fn send(state: &State, d: Dialed) -> ApiResult<()> {
    match dial::send(state, d.call).await {
        Ok(_) => {
            publish(&state.hub, &d.user, Some(&d.session));
            Ok(())
        }
        Err(e) if e.code == ErrorCode::DeviceOffline => {
            let Dialed {
                user,
                mut session,
                item,
                queue_before,
                call_before,
                ..
            } = d;
            pause(&mut session, PauseReason::PhoneOffline);
            session.item_id = None;
            session.call_id = None;
            let back = session.clone();
            state
                .db
                .write(move |tx| {
                    db::campaign_items::undo_dial(tx, item, queue_before, call_before.as_deref())?;
                    db::dialer_sessions::save(tx, &back)
                })
                .await?;
            publish(&state.hub, &user, Some(&session));
            Ok(())
        }
        Err(e) => Err(e),
    }
}
