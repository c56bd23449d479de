CREATE SINK CONNECTOR snk WITH ('connector.class' = 'y');
