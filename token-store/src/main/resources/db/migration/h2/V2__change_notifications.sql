-- H2 runs inside the mailpush process, which reads it directly without a routing cache: nothing to notify.
-- This version exists so that both engines' schemas carry the same version number.
SELECT 1;
