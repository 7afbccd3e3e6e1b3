//! One cycle: sync the catalog, read what the catalog names (columns, home pages,
//! probes, links, accounts), then detect and record findings. `govwatch check` runs one
//! cycle now; `govwatch serve` runs its stages on schedules. A failing site or a bad
//! catalog entry is reported and the rest still runs.

pub mod detect;
