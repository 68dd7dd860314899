;; Declares 256 pages (16 MiB) up front: over a 4 MiB cap at instantiation.
(module (memory (export "memory") 256) (func (export "_start")))
