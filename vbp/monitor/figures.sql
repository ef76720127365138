-- Every figure of procurement monitoring, in DuckDB's SQL: the one definition `vbp monitor` and the web
-- system both run. Inputs are three relations, named and typed as vbp/monitor/read.py makes them:
--   orders(order_no, hospital, batch, generic, winning BOOLEAN, distributor, offline BOOLEAN,
--          quantity BIGINT, amount DECIMAL(18,2), ordered DATE, delivered DATE, received DATE,
--          received_amount DECIMAL(18,2), paid DATE)
--   agreements(hospital, batch, generic, agreed BIGINT, starts DATE, ends DATE)
--   reports(hospital, batch, generic, reported BIGINT, last_year BIGINT)  -- last_year may be NULL
--   previous_orders(…as orders…)  -- earlier lines kept apart, read only for last year's volume; may be empty
-- and one parameter, the monitoring date $as_of. Statements are separated by "-- name: <relation>" lines;
-- each makes a temporary view or macro the later ones (and the callers) read. Ratios are exact fractions
-- rounded half-up once, to four decimals (a percentage with two), by the macro ratio().

-- name: setup
CREATE OR REPLACE TEMP TABLE params AS SELECT CAST($as_of AS DATE) AS as_of;

-- name: ratio
-- n / d rounded half-up to four decimals, exactly: both are made whole (amounts have two decimals) and divided
-- as integers; NULL when d is 0
CREATE OR REPLACE TEMP MACRO ratio(n, d) AS
    CASE WHEN d = 0 THEN NULL
    ELSE CAST(
             sign(n) * ((20000 * abs(CAST(n * 100 AS HUGEINT)) + CAST(d * 100 AS HUGEINT))
                        // (2 * CAST(d * 100 AS HUGEINT)))
             AS DECIMAL(38, 0)
         ) * CAST(0.0001 AS DECIMAL(5, 4))
    END;

-- name: yes_no
CREATE OR REPLACE TEMP MACRO yes_no(flag) AS CASE WHEN flag THEN '是' ELSE '否' END;

-- name: lines
-- the lines ordered by the monitoring date; a date after it counts as not yet happened
CREATE OR REPLACE TEMP VIEW lines AS
SELECT o.order_no, o.hospital, o.batch, o.generic, o.winning, o.distributor, o.offline, o.quantity, o.amount,
       o.ordered,
       CASE WHEN o.delivered <= p.as_of THEN o.delivered END AS delivered,
       CASE WHEN o.received <= p.as_of THEN o.received END AS received,
       CASE WHEN o.received <= p.as_of THEN o.received_amount END AS received_amount,
       CASE WHEN o.paid <= p.as_of THEN o.paid END AS paid,
       p.as_of
FROM orders o CROSS JOIN params p
WHERE o.ordered <= p.as_of;

-- name: progress_counts
CREATE OR REPLACE TEMP VIEW progress_counts AS
SELECT a.hospital, a.batch, a.generic, a.agreed, a.starts, a.ends,
       coalesce(sum(l.quantity) FILTER (WHERE l.winning), 0) AS winning,
       coalesce(sum(l.quantity) FILTER (WHERE NOT l.winning), 0) AS nonwinning,
       a.ends - a.starts + 1 AS period_days,
       greatest(0, least(least(p.as_of, a.ends) - a.starts + 1, a.ends - a.starts + 1)) AS elapsed_days
FROM agreements a CROSS JOIN params p
LEFT JOIN lines l
  ON l.hospital = a.hospital AND l.batch = a.batch AND l.generic = a.generic
 AND l.ordered BETWEEN a.starts AND a.ends
GROUP BY a.hospital, a.batch, a.generic, a.agreed, a.starts, a.ends, p.as_of;

-- name: progress
-- 采购进度: one row per agreement
CREATE OR REPLACE TEMP VIEW progress AS
SELECT hospital, batch, generic, agreed, starts, ends, winning, nonwinning,
       CASE WHEN agreed = 0 THEN CAST(0 AS DECIMAL(38, 4)) ELSE ratio(winning, agreed) END AS completion,
       ratio(elapsed_days, period_days) AS schedule,
       -- completion < schedule, compared as exact fractions (completion is 0 when nothing was agreed)
       CASE WHEN agreed = 0 THEN elapsed_days > 0
            ELSE CAST(winning AS HUGEINT) * period_days < CAST(elapsed_days AS HUGEINT) * agreed END AS behind,
       ratio(winning, winning + nonwinning) AS winning_share,
       nonwinning > winning AS nonwinning_over
FROM progress_counts;

-- name: history
-- what last year's volume is counted from: the lines, and any earlier ones the caller keeps apart
-- (previous_orders: the web system's order lines of the year before; empty for vbp monitor, whose input holds all)
CREATE OR REPLACE TEMP VIEW history AS
SELECT hospital, batch, generic, quantity, ordered FROM lines
UNION ALL
SELECT o.hospital, o.batch, o.generic, o.quantity, o.ordered
FROM previous_orders o CROSS JOIN params p
WHERE o.ordered <= p.as_of;

-- name: report_check
-- 报量核对: one row per demand report; last year's volume, unless reported, is what was ordered in the
-- 365 days before the contract period; the period is the agreement's
CREATE OR REPLACE TEMP VIEW report_check AS
WITH before AS (
    SELECT r.hospital, r.batch, r.generic, coalesce(sum(h.quantity), 0) AS before
    FROM reports r
    JOIN agreements a ON a.hospital = r.hospital AND a.batch = r.batch AND a.generic = r.generic
    LEFT JOIN history h ON h.hospital = r.hospital AND h.batch = r.batch AND h.generic = r.generic
     AND h.ordered BETWEEN a.starts - 365 AND a.starts - 1
    GROUP BY r.hospital, r.batch, r.generic
),
nonwinning AS (
    SELECT r.hospital, r.batch, r.generic, count(l.order_no) AS nonwinning_lines
    FROM reports r
    JOIN agreements a ON a.hospital = r.hospital AND a.batch = r.batch AND a.generic = r.generic
    LEFT JOIN lines l ON l.hospital = r.hospital AND l.batch = r.batch AND l.generic = r.generic
     AND NOT l.winning AND l.ordered BETWEEN a.starts AND a.ends
    GROUP BY r.hospital, r.batch, r.generic
)
SELECT r.hospital, r.batch, r.generic, r.reported, c.last,
       ratio(r.reported - c.last, c.last) AS change,
       c.last > 0 AND 5 * CAST(r.reported AS HUGEINT) < 4 * CAST(c.last AS HUGEINT) AS dropped,
       r.reported = 0 AND n.nonwinning_lines > 0 AS unreported_nonwinning
FROM reports r
JOIN (SELECT b.*, coalesce(x.last_year, b.before) AS last
      FROM before b JOIN reports x USING (hospital, batch, generic)) c USING (hospital, batch, generic)
JOIN nonwinning n USING (hospital, batch, generic);

-- name: late_payments
-- 逾期回款: lines received and paid more than 30 days after, or still unpaid more than 30 days after
CREATE OR REPLACE TEMP VIEW late_payments AS
SELECT order_no, hospital, batch, generic, winning, distributor, offline, quantity, amount, ordered, delivered,
       received, received_amount, paid,
       coalesce(paid, as_of) - received - 30 AS days_late
FROM lines
WHERE received IS NOT NULL AND coalesce(paid, as_of) - received > 30;

-- name: payments
-- 回款情况: per hospital and batch
CREATE OR REPLACE TEMP VIEW payments AS
SELECT hospital, batch, received_total, paid_in_30,
       CASE WHEN received_total > 0 THEN ratio(paid_in_30, received_total) END AS paid_in_30_rate
FROM (
    SELECT hospital, batch,
           coalesce(sum(received_amount), 0) AS received_total,
           coalesce(sum(received_amount) FILTER (WHERE paid - received <= 30), 0) AS paid_in_30
    FROM lines
    GROUP BY hospital, batch
);

-- name: monthly
-- winning and non-winning volume per hospital, batch and calendar month of 下单日期 (the first day names it)
CREATE OR REPLACE TEMP VIEW monthly AS
SELECT hospital, batch, CAST(date_trunc('month', ordered) AS DATE) AS month,
       coalesce(sum(quantity) FILTER (WHERE winning), 0) AS winning,
       coalesce(sum(quantity) FILTER (WHERE NOT winning), 0) AS nonwinning
FROM lines
GROUP BY hospital, batch, date_trunc('month', ordered);

-- name: payments_due
-- what a bulletin judges payment by, per hospital: only the lines whose 30 days have run out by the monitoring
-- date (received more than 30 days before it), each either paid within its 30 days or late
CREATE OR REPLACE TEMP VIEW payments_due AS
SELECT hospital,
       coalesce(sum(received_amount), 0) AS due_total,
       coalesce(sum(received_amount) FILTER (WHERE paid - received <= 30), 0) AS paid_on_time
FROM lines
WHERE as_of - received > 30
GROUP BY hospital;

-- name: delivery_by_hospital
-- 配送情况 counted per hospital and distributor: what a bureau's pages add up over the hospitals it oversees
CREATE OR REPLACE TEMP VIEW delivery_by_hospital AS
SELECT hospital, distributor, count(*) AS line_count, count(delivered) AS delivered_count,
       count(*) FILTER (WHERE delivered - ordered <= 2) AS within_48h
FROM lines
GROUP BY hospital, distributor;

-- name: delivery
-- 配送情况: per distributor; both rates are of all its order lines
CREATE OR REPLACE TEMP VIEW delivery AS
SELECT distributor, line_count, delivered_count,
       ratio(delivered_count, line_count) AS delivery_rate,
       ratio(within_48h, line_count) AS within_48h_rate
FROM (
    SELECT distributor, sum(line_count) AS line_count, sum(delivered_count) AS delivered_count,
           sum(within_48h) AS within_48h
    FROM delivery_by_hospital
    GROUP BY distributor
);

-- name: offline_lines
-- 线下采购
CREATE OR REPLACE TEMP VIEW offline_lines AS
SELECT order_no, hospital, batch, generic, winning, distributor, quantity, amount, ordered, delivered, received,
       received_amount, paid
FROM lines
WHERE offline;

-- name: platform
-- 平台数据: per hospital, batch, generic and calendar year of 下单日期; an agreement adds its rows for every
-- year its period touches (up to the monitoring date), with its agreed volume
CREATE OR REPLACE TEMP VIEW platform AS
WITH by_year AS (
    SELECT hospital, batch, generic, CAST(year(ordered) AS INTEGER) AS year,
           sum(quantity) FILTER (WHERE winning) AS winning_volume,
           sum(quantity) AS generic_volume,
           sum(quantity) FILTER (WHERE NOT winning) AS nonwinning_volume,
           sum(amount) FILTER (WHERE NOT winning) AS nonwinning_amount,
           sum(amount) FILTER (WHERE offline) AS offline_amount,
           sum(received_amount) AS received_total,
           sum(received_amount) FILTER (WHERE paid - received <= 30) AS paid_in_30
    FROM lines
    GROUP BY hospital, batch, generic, year(ordered)
),
agreed_years AS (
    SELECT a.hospital, a.batch, a.generic, CAST(y.year AS INTEGER) AS year, a.agreed
    FROM agreements a CROSS JOIN params p,
         range(year(a.starts), least(year(a.ends), year(p.as_of)) + 1) AS y(year)
)
SELECT coalesce(b.year, g.year) AS year, coalesce(b.hospital, g.hospital) AS hospital,
       coalesce(b.batch, g.batch) AS batch, coalesce(b.generic, g.generic) AS generic,
       coalesce(g.agreed, 0) AS agreed,
       coalesce(b.winning_volume, 0) AS winning_volume,
       coalesce(b.generic_volume, 0) AS generic_volume,
       coalesce(b.nonwinning_volume, 0) AS nonwinning_volume,
       coalesce(b.nonwinning_amount, 0) AS nonwinning_amount,
       coalesce(b.offline_amount, 0) AS offline_amount,
       coalesce(b.received_total, 0) AS received_total,
       coalesce(b.paid_in_30, 0) AS paid_in_30
FROM by_year b
FULL JOIN agreed_years g
  ON g.hospital = b.hospital AND g.batch = b.batch AND g.generic = b.generic AND g.year = b.year;
