// Tunnel module: placeholder until its issue lands.
