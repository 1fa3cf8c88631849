// The workspace's buyer-flags (being built for #13).
