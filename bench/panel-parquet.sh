#!/bin/sh
# Writes the issue-16 panel straight to Parquet with DuckDB (its own C++ writer; no code of ours touches the file):
# ROWS rows over 100,000 subjects (rows grouped by subject, ROWS/100,000 each) crossed with 50 sites, the columns
# and the model of bench/SparseLmm.Bench's SimulatedPanelData (y ~ 1 + time + x1 + x2 + grp + (1 + time | subj) +
# (1 | site)): subject (b0, b1) SDs 1 and 0.4, correlation 0.77, site SD 0.5, residual SD 1.5; normals by Box-Muller
# from DuckDB's random() (not bit-reproducible: DuckDB draws on several threads). Row groups of 122,880 rows (DuckDB's
# default), snappy.
# usage: bench/panel-parquet.sh ROWS OUT.parquet   (run under flock /work/heavy.lock: it takes minutes at 10M+)
set -eu
rows=$1
out=$2
subjects=100000
dir=$(cd "$(dirname "$0")/.." && pwd)
dotnet run -c Release --project "$dir/tools/SparseLmm.DataFiles" -- sql :memory: "
SET memory_limit = '4GB';
SELECT setseed(0.42);
SET VARIABLE site_effect = (SELECT list(0.5 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) FROM range(50));
CREATE TABLE subjects AS SELECT s, sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z1,
  sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z2 FROM range($subjects) t(s) ORDER BY s;
SET VARIABLE intercept = (SELECT list(z1 ORDER BY s) FROM subjects);
SET VARIABLE slope = (SELECT list(0.4 * (0.77 * z1 + sqrt(1 - 0.77 * 0.77) * z2) ORDER BY s) FROM subjects);
COPY (
  SELECT round(10 + 0.5 * time + 0.3 * x1 - 0.2 * x2 + CASE grp WHEN 'b' THEN 0.4 WHEN 'c' THEN -0.3 ELSE 0 END
               + getvariable('intercept')[subj + 1] + getvariable('slope')[subj + 1] * time
               + getvariable('site_effect')[site + 1] + 1.5 * e, 4) AS y,
         time, x1, x2, grp, 's' || lpad(subj::VARCHAR, 6, '0') AS subj, 'site' || lpad(site::VARCHAR, 2, '0') AS site
  FROM (SELECT i // ($rows // $subjects) AS subj, (random() * 50)::INTEGER % 50 AS site,
               round(9 * random(), 5) AS time,
               round(sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()), 5) AS x1,
               round(sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()), 5) AS x2,
               ['a', 'b', 'c'][1 + (random() * 3)::INTEGER % 3] AS grp,
               sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS e
        FROM range($rows) t(i))
) TO '$out' (FORMAT parquet, ROW_GROUP_SIZE 122880);
"
