;; Threat: memory.init from a passive data segment with an offset and length
;; past the segment's end (reading host memory after the segment's bytes
;; into the guest), at the end of memory.
;; Expected: exit 134, stderr "airlock: trap: memory_out_of_bounds".
(module
  (memory 1)
  (data $seg "sixteen bytes!!!")
  (func (export "_start")
    ;; Reads segment bytes 8..4104: only 8 of them exist.
    (memory.init $seg (i32.const 0) (i32.const 8) (i32.const 4096))))
