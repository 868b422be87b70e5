// Netlink module: placeholder until its issue lands.
