//! Where our messages landed on a chat platform, and customers' direct-message channels there.

use super::time::ts;
use super::{Store, StoreResult, Tx};
use crate::domain::{MessageId, Platform};
use chrono::{DateTime, Utc};
use sqlx::Row;

impl Tx<'_> {
    pub async fn record_platform_message(
        &mut self,
        message: MessageId,
        platform: &str,
        channel_id: &str,
        platform_message_id: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO platform_messages (message_id, platform, channel_id, platform_message_id) VALUES ($1, $2, $3, $4)
             ON CONFLICT (message_id) DO UPDATE SET channel_id = excluded.channel_id, platform_message_id = excluded.platform_message_id",
        )
        .bind(message.0)
        .bind(platform)
        .bind(channel_id)
        .bind(platform_message_id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// (channel id, platform message id) of one of our messages.
    pub async fn platform_message(
        &mut self,
        message: MessageId,
        platform: &str,
    ) -> StoreResult<Option<(String, String)>> {
        let row = sqlx::query(
            "SELECT channel_id, platform_message_id FROM platform_messages WHERE message_id = $1 AND platform = $2",
        )
        .bind(message.0)
        .bind(platform)
        .fetch_optional(self.conn())
        .await?;
        row.map(|r| Ok((r.try_get("channel_id")?, r.try_get("platform_message_id")?))).transpose()
    }

    /// Our message behind a platform's message id.
    pub async fn message_for_platform_id(
        &mut self,
        platform: &str,
        platform_message_id: &str,
    ) -> StoreResult<Option<MessageId>> {
        let row =
            sqlx::query("SELECT message_id FROM platform_messages WHERE platform = $1 AND platform_message_id = $2")
                .bind(platform)
                .bind(platform_message_id)
                .fetch_optional(self.conn())
                .await?;
        Ok(row.map(|r| r.try_get("message_id")).transpose()?.map(MessageId))
    }

    /// Notes that the bot lacks `permission` in a platform channel; true only the first time
    /// ever (the managers are told then), on every replica.
    pub async fn first_warning(
        &mut self,
        platform: Platform,
        channel_id: &str,
        permission: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let inserted = sqlx::query(
            "INSERT INTO platform_warnings (platform, channel_id, permission, warned_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (platform, channel_id, permission) DO NOTHING",
        )
        .bind(platform.code())
        .bind(channel_id)
        .bind(permission)
        .bind(ts(now))
        .execute(self.conn())
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// The permission works again in that channel: the note goes, so that losing it again is
    /// told again. True when there was a note.
    pub async fn clear_warning(&mut self, platform: Platform, channel_id: &str, permission: &str) -> StoreResult<bool> {
        let deleted =
            sqlx::query("DELETE FROM platform_warnings WHERE platform = $1 AND channel_id = $2 AND permission = $3")
                .bind(platform.code())
                .bind(channel_id)
                .bind(permission)
                .execute(self.conn())
                .await?;
        Ok(deleted.rows_affected() > 0)
    }

    /// (channel id, permission) of every missing permission the managers were told of.
    pub async fn warnings(&mut self, platform: Platform) -> StoreResult<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT channel_id, permission FROM platform_warnings WHERE platform = $1")
            .bind(platform.code())
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(|r| Ok((r.try_get("channel_id")?, r.try_get("permission")?))).collect()
    }

    pub async fn dm_channel(&mut self, platform: &str, user: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT channel_id FROM platform_dm_channels WHERE platform = $1 AND user_id = $2")
            .bind(platform)
            .bind(user)
            .fetch_optional(self.conn())
            .await?;
        Ok(row.map(|r| r.try_get("channel_id")).transpose()?)
    }

    pub async fn save_dm_channel(&mut self, platform: &str, user: &str, channel_id: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO platform_dm_channels (platform, user_id, channel_id) VALUES ($1, $2, $3)
             ON CONFLICT (platform, user_id) DO UPDATE SET channel_id = excluded.channel_id",
        )
        .bind(platform)
        .bind(user)
        .bind(channel_id)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

/// The same look-ups for chat adapters, each in its own short transaction: an adapter never
/// holds one open across a platform call (SQLite has one writer).
impl Store {
    pub async fn record_platform_message(
        &self,
        message: MessageId,
        platform: &str,
        channel_id: &str,
        platform_message_id: &str,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.record_platform_message(message, platform, channel_id, platform_message_id).await?;
        tx.commit().await
    }

    pub async fn platform_message(&self, message: MessageId, platform: &str) -> StoreResult<Option<(String, String)>> {
        self.begin().await?.platform_message(message, platform).await
    }

    pub async fn message_for_platform_id(
        &self,
        platform: &str,
        platform_message_id: &str,
    ) -> StoreResult<Option<MessageId>> {
        self.begin().await?.message_for_platform_id(platform, platform_message_id).await
    }

    pub async fn dm_channel(&self, platform: &str, user: &str) -> StoreResult<Option<String>> {
        self.begin().await?.dm_channel(platform, user).await
    }

    pub async fn clear_warning(&self, platform: Platform, channel_id: &str, permission: &str) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let cleared = tx.clear_warning(platform, channel_id, permission).await?;
        tx.commit().await?;
        Ok(cleared)
    }

    pub async fn warnings(&self, platform: Platform) -> StoreResult<Vec<(String, String)>> {
        self.begin().await?.warnings(platform).await
    }

    pub async fn posts_waiting(&self, platform: Platform, lane: &str) -> StoreResult<i64> {
        self.begin().await?.posts_waiting(platform, lane).await
    }

    pub async fn save_dm_channel(&self, platform: &str, user: &str, channel_id: &str) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.save_dm_channel(platform, user, channel_id).await?;
        tx.commit().await
    }
}
