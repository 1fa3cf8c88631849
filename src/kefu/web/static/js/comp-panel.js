// The workspace's comp-panel (being built for #13).
