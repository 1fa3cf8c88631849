// The workspace's complaint-panel (being built for #13).
