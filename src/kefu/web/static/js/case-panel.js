// The workspace's case-panel (being built for #13).
