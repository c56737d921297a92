-- Live progress without polling (src/server/jobs/queues/graphile.ts): every change a client
-- would see (status, progress, stage, cancel flag) NOTIFYs channel gradloc_job with the job's
-- id. Heartbeat-only writes ("heartbeatAt") stay silent.
CREATE FUNCTION "gradloc_job_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gradloc_job', NEW."id");
  RETURN NEW;
END
$$;

CREATE TRIGGER "Job_notify" AFTER UPDATE ON "Job" FOR EACH ROW
  WHEN (OLD."status" IS DISTINCT FROM NEW."status"
     OR OLD."progress" IS DISTINCT FROM NEW."progress"
     OR OLD."stage" IS DISTINCT FROM NEW."stage"
     OR OLD."cancelRequested" IS DISTINCT FROM NEW."cancelRequested")
  EXECUTE FUNCTION "gradloc_job_notify"();
