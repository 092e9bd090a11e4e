//! The server on PostgreSQL: the same application against a fresh database
//! on the store's test cluster, so the hosted backend is served too.

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_reference_data_on_postgresql() {
    let app = common::spawn_app_on_postgres().await;
    let health = app.get_json("/api/v1/health", 200).await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["database"], "postgresql");
    let policies = app.get_json("/api/v1/policies", 200).await;
    assert_eq!(policies.as_array().unwrap().len(), 5);
    let body = app.get_json("/api/v1/nothing", 404).await;
    assert_eq!(body["code"], "no_such_route");
}
