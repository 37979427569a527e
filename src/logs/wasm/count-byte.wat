;; Byte scanning for log files with 128-bit SIMD. Built by scripts/build-wasm.ts into count-byte-wasm.ts.
;; countByte: how many times byte $b occurs in memory[$p, $end): 16 bytes compared per step, mask bits counted.
;; find: first index in [$p, $end) where the needle at memory[$nd, $nd+$nlen) starts, or -1. Compares the
;; needle's first and last byte 16 positions at a time and checks the middle only for candidates.
;; scan: one pass over [$p, $end) that does both: records each needle match as (offset from $p, newlines before
;; it) at $out (pairs of i32, at most $cap pairs), records the newlines before every 4096-byte block at $cps, and
;; returns the number of matches (-1 if more than $cap). The total newline count is left in global $total.
(module
  (memory (export "memory") 96)
  (global $total (export "total") (mut i32) (i32.const 0))
  (func (export "countByte") (param $p i32) (param $end i32) (param $b i32) (result i32)
    (local $n i32)
    (local $needle v128)
    (local $vend i32)
    (local.set $needle (i8x16.splat (local.get $b)))
    (local.set $vend (i32.sub (local.get $end) (i32.const 16)))
    (block $vdone
      (loop $vec
        (br_if $vdone (i32.gt_s (local.get $p) (local.get $vend)))
        (local.set $n
          (i32.add (local.get $n)
            (i32.popcnt (i8x16.bitmask (i8x16.eq (v128.load (local.get $p)) (local.get $needle))))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $vec)))
    (block $tdone
      (loop $tail
        (br_if $tdone (i32.ge_u (local.get $p) (local.get $end)))
        (if (i32.eq (i32.load8_u (local.get $p)) (local.get $b))
          (then (local.set $n (i32.add (local.get $n) (i32.const 1)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $tail)))
    (local.get $n))
  (func (export "find") (param $p i32) (param $end i32) (param $nd i32) (param $nlen i32) (result i32)
    (local $first v128)
    (local $last v128)
    (local $mask i32)
    (local $i i32)
    (local $k i32)
    (local $vend i32)
    (local $lastoff i32)
    (local.set $lastoff (i32.sub (local.get $nlen) (i32.const 1)))
    (local.set $first (i8x16.splat (i32.load8_u (local.get $nd))))
    (local.set $last (i8x16.splat (i32.load8_u (i32.add (local.get $nd) (local.get $lastoff)))))
    (local.set $vend (i32.sub (i32.sub (local.get $end) (local.get $nlen)) (i32.const 15)))
    (block $vdone
      (loop $vec
        (br_if $vdone (i32.gt_s (local.get $p) (local.get $vend)))
        (local.set $mask
          (i8x16.bitmask
            (v128.and
              (i8x16.eq (v128.load (local.get $p)) (local.get $first))
              (i8x16.eq (v128.load (i32.add (local.get $p) (local.get $lastoff))) (local.get $last)))))
        (block $nextblock
          (loop $bits
            (br_if $nextblock (i32.eqz (local.get $mask)))
            (local.set $i (i32.add (local.get $p) (i32.ctz (local.get $mask))))
            (local.set $k (i32.const 1))
            (block $nomatch
              (block $match
                (loop $cmp
                  (br_if $match (i32.ge_s (local.get $k) (local.get $lastoff)))
                  (br_if $nomatch
                    (i32.ne (i32.load8_u (i32.add (local.get $i) (local.get $k)))
                            (i32.load8_u (i32.add (local.get $nd) (local.get $k)))))
                  (local.set $k (i32.add (local.get $k) (i32.const 1)))
                  (br $cmp)))
              (return (local.get $i)))
            (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
            (br $bits)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $vec)))
    (block $tdone
      (loop $tail
        (br_if $tdone (i32.gt_s (local.get $p) (i32.sub (local.get $end) (local.get $nlen))))
        (local.set $k (i32.const 0))
        (block $tno
          (block $tyes
            (loop $tcmp
              (br_if $tyes (i32.ge_s (local.get $k) (local.get $nlen)))
              (br_if $tno
                (i32.ne (i32.load8_u (i32.add (local.get $p) (local.get $k)))
                        (i32.load8_u (i32.add (local.get $nd) (local.get $k)))))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br $tcmp)))
          (return (local.get $p)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $tail)))
    (i32.const -1))
  (func (export "scan") (param $p i32) (param $end i32) (param $nd i32) (param $nlen i32) (param $out i32) (param $cap i32) (param $cps i32) (result i32)
    (local $base i32)
    (local $nl v128)
    (local $first v128)
    (local $last v128)
    (local $lastoff i32)
    (local $vend i32)
    (local $v v128)
    (local $nlmask i32)
    (local $mask i32)
    (local $bit i32)
    (local $i i32)
    (local $k i32)
    (local $lines i32)
    (local $found i32)
    (local.set $base (local.get $p))
    (local.set $nl (i8x16.splat (i32.const 10)))
    (local.set $lastoff (i32.sub (local.get $nlen) (i32.const 1)))
    (local.set $first (i8x16.splat (i32.load8_u (local.get $nd))))
    (local.set $last (i8x16.splat (i32.load8_u (i32.add (local.get $nd) (local.get $lastoff)))))
    ;; Vector loop while the last-byte load stays inside the range.
    (local.set $vend (i32.sub (i32.sub (local.get $end) (local.get $lastoff)) (i32.const 16)))
    (block $vdone
      (loop $vec
        (br_if $vdone (i32.gt_s (local.get $p) (local.get $vend)))
        (if (i32.eqz (i32.and (i32.sub (local.get $p) (local.get $base)) (i32.const 4095)))
          (then
            (i32.store
              (i32.add (local.get $cps) (i32.shl (i32.shr_u (i32.sub (local.get $p) (local.get $base)) (i32.const 12)) (i32.const 2)))
              (local.get $lines))))
        (local.set $v (v128.load (local.get $p)))
        (local.set $nlmask (i8x16.bitmask (i8x16.eq (local.get $v) (local.get $nl))))
        (local.set $mask
          (i8x16.bitmask
            (v128.and
              (i8x16.eq (local.get $v) (local.get $first))
              (i8x16.eq (v128.load (i32.add (local.get $p) (local.get $lastoff))) (local.get $last)))))
        (block $nomore
          (loop $bits
            (br_if $nomore (i32.eqz (local.get $mask)))
            (local.set $bit (i32.ctz (local.get $mask)))
            (local.set $i (i32.add (local.get $p) (local.get $bit)))
            (local.set $k (i32.const 1))
            (block $nomatch
              (block $match
                (loop $cmp
                  (br_if $match (i32.ge_s (local.get $k) (local.get $lastoff)))
                  (br_if $nomatch
                    (i32.ne (i32.load8_u (i32.add (local.get $i) (local.get $k)))
                            (i32.load8_u (i32.add (local.get $nd) (local.get $k)))))
                  (local.set $k (i32.add (local.get $k) (i32.const 1)))
                  (br $cmp)))
              (if (i32.ge_s (local.get $found) (local.get $cap)) (then (return (i32.const -1))))
              (i32.store (i32.add (local.get $out) (i32.shl (local.get $found) (i32.const 3))) (i32.sub (local.get $i) (local.get $base)))
              (i32.store (i32.add (local.get $out) (i32.add (i32.shl (local.get $found) (i32.const 3)) (i32.const 4)))
                (i32.add (local.get $lines)
                  (i32.popcnt (i32.and (local.get $nlmask) (i32.sub (i32.shl (i32.const 1) (local.get $bit)) (i32.const 1))))))
              (local.set $found (i32.add (local.get $found) (i32.const 1))))
            (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
            (br $bits)))
        (local.set $lines (i32.add (local.get $lines) (i32.popcnt (local.get $nlmask))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $vec)))
    ;; Scalar tail: the last bytes, one at a time.
    (block $tdone
      (loop $tail
        (br_if $tdone (i32.ge_u (local.get $p) (local.get $end)))
        (if (i32.eqz (i32.and (i32.sub (local.get $p) (local.get $base)) (i32.const 4095)))
          (then
            (i32.store
              (i32.add (local.get $cps) (i32.shl (i32.shr_u (i32.sub (local.get $p) (local.get $base)) (i32.const 12)) (i32.const 2)))
              (local.get $lines))))
        (if (i32.le_s (local.get $p) (i32.sub (local.get $end) (local.get $nlen)))
          (then
            (local.set $k (i32.const 0))
            (block $tno
              (block $tyes
                (loop $tcmp
                  (br_if $tyes (i32.ge_s (local.get $k) (local.get $nlen)))
                  (br_if $tno
                    (i32.ne (i32.load8_u (i32.add (local.get $p) (local.get $k)))
                            (i32.load8_u (i32.add (local.get $nd) (local.get $k)))))
                  (local.set $k (i32.add (local.get $k) (i32.const 1)))
                  (br $tcmp)))
              (if (i32.ge_s (local.get $found) (local.get $cap)) (then (return (i32.const -1))))
              (i32.store (i32.add (local.get $out) (i32.shl (local.get $found) (i32.const 3))) (i32.sub (local.get $p) (local.get $base)))
              (i32.store (i32.add (local.get $out) (i32.add (i32.shl (local.get $found) (i32.const 3)) (i32.const 4))) (local.get $lines))
              (local.set $found (i32.add (local.get $found) (i32.const 1))))))
        (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 10))
          (then (local.set $lines (i32.add (local.get $lines) (i32.const 1)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $tail)))
    (global.set $total (local.get $lines))
    (local.get $found)))
