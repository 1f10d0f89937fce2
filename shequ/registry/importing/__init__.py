"""Import of residents, households and buildings from .xlsx/.csv (dry run, report, commit), and the pages,
API and command line around it. The resident export lives in shequ.registry.exporting.

Flow: readers.py (file → rows; encodings, formula and merged cells) → rows.py (one row → typed row or
(column, value, reason) errors) → plan.py (against the registry, in chunks: create / update / move /
unchanged / refuse) → staging.py (temporary tables, COPY on PostgreSQL) → apply.py (set-based SQL in one
transaction). engine.run_import ties them together; services.py runs it as a background job.

Rules (decided here, shown to users on the import page and in the template's 填写说明 sheet):
- Natural keys: the ID number (15-digit numbers are upgraded first) for residents, 户号 for households,
  (community, address) for buildings. Re-importing a file changes nothing; changed rows update.
- Blank cells never erase: an empty phone, room or 户别 keeps what is registered. Tags are only added.
- 户号 links rows into households; the first row that gives a household attribute (户别, 楼栋地址,
  门牌/房号, the community) fixes it, and later rows of the same 户号 must agree. One 户主 per household; a
  new 户主 replaces the registered one, who becomes 其他. A resident whose 户号 changes moves: the old
  membership ends, a new one starts (HouseholdMembership keeps the history, as resident_move does).
- A resident's place is its household's; without 户号, the row's community/grid (a resident already in a
  household elsewhere must be given a new 户号 to move).
- Scope: the actor's registry.import subtree. A community or grid outside it is answered like a missing one;
  an ID number or 户号 registered outside it is refused per row, naming nothing outside.
- Audit: one registry.import row per committed batch (actor, file, kind, counts, the write timestamp) and
  a row per updated or moved record (old → new). Created buildings, households and residents each get a
  create row too (with the batch id) unless the batch creates more than SHEQU_IMPORT_AUDIT_EACH_MAX records
  (default 20,000: per-row create rows were half the write time of a 1M-row load); then the batch row is
  their creation record — every record it created carries its written_at as created_at.
- Statistics: AreaStats/AreaTagCount get the deltas of the batch, rolled up to every ancestor (active
  residents only, like stats_rebuild).
- The command line (import_registry) without --actor runs as the system: the whole city, no user in the
  audit rows, no upload size limit.
"""
