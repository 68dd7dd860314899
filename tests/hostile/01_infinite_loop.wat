;; Threat: a guest that never finishes. `loop br 0` makes no calls, touches
;; no memory and never enters the host, so only fuel metering or the
;; wall-clock watchdog can stop it.
;; Expected: with --timeout 300ms: exit 134, stderr "airlock: trap: timeout".
;; With --fuel 1_000_000: exit 134, stderr "airlock: trap: out_of_fuel".
(module
  (func (export "_start")
    (loop $spin (br $spin))))
