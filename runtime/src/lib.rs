#![cfg_attr(not(feature = "std"), no_std)]
pub use frame_executive as _e;
pub use pallet_mindnet as _m;
