"""The database itself refuses to change or delete an audit entry.

The model and admin refuse already; this catches raw SQL, a shell session and
code that bypasses the model. One change is let through: `actor_id` becoming
NULL while every other column stays the same, which is what ON DELETE SET NULL
does when the actor's account is deleted. TRUNCATE (the test suite's flush) is
not a row operation and is not blocked. (This once ran on PostgreSQL only, when
SQLite was an embedded default; PostgreSQL is now the only database, ADR 9.)
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION core_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
       AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit entries cannot be changed or deleted (core_auditentry %)', OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER core_auditentry_append_only
    BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP FUNCTION IF EXISTS core_auditentry_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    # RunSQL executes a string with params=None, so the "%" in RAISE is not a placeholder.
    operations = [migrations.RunSQL(CREATE, DROP)]
