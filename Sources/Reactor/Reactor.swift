// Reactor module: placeholder until its issue lands.
