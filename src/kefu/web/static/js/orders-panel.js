// The workspace's orders-panel (being built for #13).
