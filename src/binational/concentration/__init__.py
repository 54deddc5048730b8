"""Ethnic concentration: segregation indices, location quotients and local clusters."""
