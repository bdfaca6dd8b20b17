fn main() {
    leptos::mount::mount_to_body(esim_console::App);
}
