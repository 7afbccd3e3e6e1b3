//! The console's people: accounts (`govwatch user …`), sessions and login attempts.
//! Passwords arrive here already hashed (argon2, see [`crate::console::auth`]) and
//! session tokens as their SHA-256: the store never holds a secret that opens anything.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::{BeginWrite, Store, StoreError, ctx, on_pool};

type Result<T> = std::result::Result<T, StoreError>;

/// What a console user may see and do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::Display)]
#[strum(serialize_all = "lowercase")]
pub enum Role {
    /// Everything, and the accounts of others (the CLI manages them).
    Admin,
    /// The office (政务公开办): every unit, 误报, 二次检查.
    Office,
    /// One unit's clerk: only findings and rows that name the unit; 整改反馈.
    Unit,
}

impl Role {
    pub fn zh(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Office => "政务公开办",
            Role::Unit => "单位",
        }
    }

    /// Sees every unit (admin, office) rather than one.
    pub fn sees_all(self) -> bool {
        matches!(self, Role::Admin | Role::Office)
    }
}

/// One console account.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// The unit of a `unit` user (a catalog unit's name).
    pub unit: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A user and their password hash, for logging in.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

/// A live session: who, and the token every form must carry back.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

/// Why an account change was refused.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("a user named {0:?} exists already\n  `govwatch user passwd {0}` sets a new password")]
    Exists(String),
    #[error("no user is named {0:?}\n  `govwatch user list` shows the users")]
    Unknown(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    name: String,
    role: String,
    unit: Option<String>,
    disabled_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl UserRow {
    fn into_user(self) -> Result<User> {
        let role = self.role.parse().map_err(|_| StoreError::Data {
            context: "reading users",
            detail: format!("user {:?} has an unknown role {:?}", self.name, self.role),
        })?;
        Ok(User {
            id: self.id,
            name: self.name,
            role,
            unit: self.unit,
            disabled_at: self.disabled_at,
            created_at: self.created_at,
        })
    }
}

const USER_COLUMNS: &str = "id, name, role, unit, disabled_at, created_at";

impl Store {
    /// Adds a user; refuses a name in use.
    pub async fn add_user(
        &self,
        name: &str,
        role: Role,
        unit: Option<&str>,
        password_hash: &str,
        at: DateTime<Utc>,
    ) -> std::result::Result<User, UserError> {
        if self.user(name).await?.is_some() {
            return Err(UserError::Exists(name.to_string()));
        }
        let (id,): (i64,) = on_pool!(self, pool => {
            sqlx::query_as(
                "INSERT INTO users (name, role, unit, password_hash, created_at, password_at) \
                 VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(name)
            .bind(role.to_string())
            .bind(unit)
            .bind(password_hash)
            .bind(at)
            .fetch_one(pool)
            .await
        })
        .map_err(ctx("adding a user"))?;
        Ok(User {
            id,
            name: name.to_string(),
            role,
            unit: unit.map(str::to_string),
            disabled_at: None,
            created_at: at,
        })
    }

    /// The user named `name`, disabled or not.
    pub async fn user(&self, name: &str) -> Result<Option<User>> {
        let row: Option<UserRow> = on_pool!(self, pool => {
            sqlx::query_as(AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE name = $1")))
                .bind(name)
                .fetch_optional(pool)
                .await
        })
        .map_err(ctx("reading a user"))?;
        row.map(UserRow::into_user).transpose()
    }

    /// The user named `name` with the password hash, for logging in.
    pub async fn credentials(&self, name: &str) -> Result<Option<Credentials>> {
        let row: Option<(String,)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT password_hash FROM users WHERE name = $1")
                .bind(name)
                .fetch_optional(pool)
                .await
        })
        .map_err(ctx("reading a user"))?;
        let Some((password_hash,)) = row else {
            return Ok(None);
        };
        Ok(self.user(name).await?.map(|user| Credentials {
            user,
            password_hash,
        }))
    }

    /// Every user, by name.
    pub async fn users(&self) -> Result<Vec<User>> {
        let rows: Vec<UserRow> = on_pool!(self, pool => {
            sqlx::query_as(AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users ORDER BY name")))
                .fetch_all(pool)
                .await
        })
        .map_err(ctx("reading users"))?;
        rows.into_iter().map(UserRow::into_user).collect()
    }

    /// Sets a new password and ends the user's sessions.
    pub async fn set_password(
        &self,
        name: &str,
        password_hash: &str,
        at: DateTime<Utc>,
    ) -> std::result::Result<(), UserError> {
        let user = self
            .user(name)
            .await?
            .ok_or_else(|| UserError::Unknown(name.to_string()))?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx("setting a password"))?;
            sqlx::query("UPDATE users SET password_hash = $1, password_at = $2 WHERE id = $3")
                .bind(password_hash)
                .bind(at)
                .bind(user.id)
                .execute(&mut *tx)
                .await
                .map_err(ctx("setting a password"))?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user.id)
                .execute(&mut *tx)
                .await
                .map_err(ctx("setting a password"))?;
            tx.commit().await.map_err(ctx("setting a password"))?;
            Ok::<_, StoreError>(())
        })?;
        Ok(())
    }

    /// Disables (`Some(at)`) or enables (`None`) a user; disabling ends their sessions.
    pub async fn set_disabled(
        &self,
        name: &str,
        disabled_at: Option<DateTime<Utc>>,
    ) -> std::result::Result<User, UserError> {
        let mut user = self
            .user(name)
            .await?
            .ok_or_else(|| UserError::Unknown(name.to_string()))?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx("disabling a user"))?;
            sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
                .bind(disabled_at)
                .bind(user.id)
                .execute(&mut *tx)
                .await
                .map_err(ctx("disabling a user"))?;
            if disabled_at.is_some() {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(ctx("disabling a user"))?;
            }
            tx.commit().await.map_err(ctx("disabling a user"))?;
            Ok::<_, StoreError>(())
        })?;
        user.disabled_at = disabled_at;
        Ok(user)
    }

    /// Opens a session for `user_id`, known by the SHA-256 of its token.
    pub async fn open_session(
        &self,
        token_sha256: &str,
        user_id: i64,
        csrf: &str,
        addr: &str,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO sessions (token_sha256, user_id, csrf, created_at, expires_at, addr) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(token_sha256)
            .bind(user_id)
            .bind(csrf)
            .bind(at)
            .bind(expires_at)
            .bind(addr)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(ctx("opening a session"))?;
        Ok(())
    }

    /// The session of a token's SHA-256 at `now`: none when it expired or its user is
    /// disabled.
    pub async fn session(&self, token_sha256: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            csrf: String,
            expires_at: DateTime<Utc>,
            #[sqlx(flatten)]
            user: UserRow,
        }
        let row: Option<Row> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT s.csrf, s.expires_at, u.id, u.name, u.role, u.unit, u.disabled_at, \
                 u.created_at FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_sha256 = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
            )
            .bind(token_sha256)
            .bind(now)
            .fetch_optional(pool)
            .await
        })
        .map_err(ctx("reading a session"))?;
        row.map(|r| {
            Ok(Session {
                user: r.user.into_user()?,
                csrf: r.csrf,
                expires_at: r.expires_at,
            })
        })
        .transpose()
    }

    /// Ends a session (logging out), and every session expired by `now`.
    pub async fn close_session(&self, token_sha256: &str, now: DateTime<Utc>) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_sha256 = $1 OR expires_at <= $2")
                .bind(token_sha256)
                .bind(now)
                .execute(pool)
                .await
                .map(|_| ())
        })
        .map_err(ctx("closing a session"))?;
        Ok(())
    }

    /// Records one login attempt (for the rate limit), forgetting attempts older than a day.
    pub async fn record_login_attempt(
        &self,
        name: &str,
        addr: &str,
        ok: bool,
        at: DateTime<Utc>,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx("recording a login"))?;
            sqlx::query("INSERT INTO login_attempts (name, addr, at, ok) VALUES ($1, $2, $3, $4)")
                .bind(name)
                .bind(addr)
                .bind(at)
                .bind(i32::from(ok))
                .execute(&mut *tx)
                .await
                .map_err(ctx("recording a login"))?;
            sqlx::query("DELETE FROM login_attempts WHERE at < $1")
                .bind(at - chrono::Duration::days(1))
                .execute(&mut *tx)
                .await
                .map_err(ctx("recording a login"))?;
            tx.commit().await.map_err(ctx("recording a login"))?;
            Ok::<_, StoreError>(())
        })?;
        Ok(())
    }

    /// Failed logins since `since`: for the account `name` and from the address `addr`.
    pub async fn failed_logins(
        &self,
        name: &str,
        addr: &str,
        since: DateTime<Utc>,
    ) -> Result<(i64, i64)> {
        let row: (i64, i64) = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT \
                 (SELECT COUNT(*) FROM login_attempts WHERE name = $1 AND at >= $3 AND ok = 0), \
                 (SELECT COUNT(*) FROM login_attempts WHERE addr = $2 AND at >= $3 AND ok = 0)",
            )
            .bind(name)
            .bind(addr)
            .bind(since)
            .fetch_one(pool)
            .await
        })
        .map_err(ctx("counting failed logins"))?;
        Ok(row)
    }
}

/// One step taken on a finding in the console (全过程留痕).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FindingAction {
    pub finding_id: i64,
    /// `feedback` (整改反馈), `recheck` (二次检查), `dismiss` (误报), `undismiss`.
    pub action: String,
    pub user_name: String,
    pub text: Option<String>,
    pub link: Option<String>,
    pub at: DateTime<Utc>,
}

impl Store {
    /// Records a step taken on a finding.
    pub async fn record_finding_action(&self, a: &FindingAction) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO finding_actions (finding_id, action, user_name, text, link, at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(a.finding_id)
            .bind(&a.action)
            .bind(&a.user_name)
            .bind(&a.text)
            .bind(&a.link)
            .bind(a.at)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(ctx("recording a step on a finding"))?;
        Ok(())
    }

    /// The steps taken on a finding, oldest first.
    pub async fn finding_actions(&self, finding_id: i64) -> Result<Vec<FindingAction>> {
        on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT finding_id, action, user_name, text, link, at FROM finding_actions \
                 WHERE finding_id = $1 ORDER BY at, id",
            )
            .bind(finding_id)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading the steps on a finding"))
    }
}
