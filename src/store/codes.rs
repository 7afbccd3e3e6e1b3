//! Outcomes are stored as their codes (`ok`, `soft_404`, `dns` …): these impls let
//! queries bind and read the typed outcomes of [`observe`](crate::observe) directly, so
//! no outcome crosses the store's API as a string. A stored code no outcome has is a
//! decoding error naming the code.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};

use crate::observe::{
    CrawlOutcome, LinkOutcome, Purpose, ReadOutcome, SourceOutcome, SourceProblem,
};

macro_rules! stored_as_code {
    ($($t:ty),* $(,)?) => {$(
        impl<DB: Database> Type<DB> for $t
        where
            str: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: Database> Encode<'q, DB> for $t
        where
            &'static str: Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as Database>::ArgumentBuffer,
            ) -> Result<IsNull, BoxDynError> {
                <&'static str as Encode<'q, DB>>::encode(self.as_str(), buf)
            }
        }

        impl<'r, DB: Database> Decode<'r, DB> for $t
        where
            &'r str: Decode<'r, DB>,
        {
            fn decode(value: <DB as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                Ok(<&'r str as Decode<'r, DB>>::decode(value)?.parse()?)
            }
        }
    )*};
}

stored_as_code!(
    ReadOutcome,
    CrawlOutcome,
    SourceOutcome,
    SourceProblem,
    LinkOutcome,
    Purpose,
);
