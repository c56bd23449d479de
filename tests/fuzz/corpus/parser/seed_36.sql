CREATE SOURCE CONNECTOR IF NOT EXISTS src WITH ('connector.class' = 'x', "tasks.max" = 1);
